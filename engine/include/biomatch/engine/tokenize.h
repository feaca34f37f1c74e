// The tokenizer of the text index, public so that keyword filters elsewhere
// (the server's subscriptions) cut text exactly as matching does.
//
// Tokens: runs of ASCII letters and digits, lowercased, and runs of other
// (non-CJK, non-punctuation) letters, as words; runs of CJK ideographs, kana
// and hangul as overlapping character bigrams (a single character on its own
// is one token), so "需要GLP大鼠重复给药" yields 需要, glp, 大鼠, 鼠重, 重复, ...
// Invalid UTF-8 bytes separate tokens. Pure and thread safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace biomatch::engine {

// Appends the tokens of `text` to *out (duplicates kept).
void Tokenize(std::string_view text, std::vector<std::string>* out);

}  // namespace biomatch::engine
