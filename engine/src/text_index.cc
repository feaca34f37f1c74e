#include "text_index.h"

#include <algorithm>
#include <cmath>

namespace biomatch::engine {
namespace {

constexpr std::size_t kMaxWordBytes = 64;
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// Decodes one UTF-8 code point at text[*pos]; returns -1 for an invalid byte
// (and skips it).
std::int32_t NextCodePoint(std::string_view text, std::size_t* pos) {
  const auto b0 = static_cast<unsigned char>(text[*pos]);
  int len;
  std::uint32_t cp;
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07;
  } else {
    ++*pos;
    return -1;
  }
  if (*pos + static_cast<std::size_t>(len) > text.size()) {
    ++*pos;
    return -1;
  }
  for (int i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(text[*pos + static_cast<std::size_t>(i)]);
    if ((b & 0xC0) != 0x80) {
      ++*pos;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos += static_cast<std::size_t>(len);
  return static_cast<std::int32_t>(cp);
}

bool IsCjk(std::int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

bool IsSeparator(std::int32_t cp) {
  if (cp < 0) return true;
  if (cp < 0x80) {
    const bool alnum = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    return !alnum;
  }
  return (cp >= 0x80 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

// Calls emit(token) for each token of `text`; the view is valid only during
// the call.
template <typename Emit>
void ForEachToken(std::string_view text, Emit&& emit) {
  std::string word;    // the current ASCII/other-script word, lowercased
  std::size_t cjk_start = 0, cjk_prev = 0, cjk_chars = 0;  // the current CJK run
  auto flush_word = [&] {
    if (!word.empty()) emit(std::string_view(word));
    word.clear();
  };
  auto flush_cjk = [&] {
    if (cjk_chars == 1) emit(text.substr(cjk_start, cjk_prev - cjk_start));
    cjk_chars = 0;
  };
  std::size_t pos = 0;
  std::size_t last_char = 0;  // start of the previous CJK character
  while (pos < text.size()) {
    const std::size_t start = pos;
    const std::int32_t cp = NextCodePoint(text, &pos);
    if (IsCjk(cp)) {
      flush_word();
      if (cjk_chars == 0) {
        cjk_start = start;
      } else {
        emit(text.substr(last_char, pos - last_char));  // the bigram ending here
      }
      last_char = start;
      cjk_prev = pos;
      ++cjk_chars;
    } else if (IsSeparator(cp)) {
      flush_word();
      flush_cjk();
    } else {
      flush_cjk();
      if (word.size() + (pos - start) > kMaxWordBytes) continue;  // overlong words are truncated
      if (cp < 0x80) {
        word.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp));
      } else {
        word.append(text.substr(start, pos - start));
      }
    }
  }
  flush_word();
  flush_cjk();
}

}  // namespace

void Tokenize(std::string_view text, std::vector<std::string>* out) {
  ForEachToken(text, [&](std::string_view token) { out->emplace_back(token); });
}

std::uint32_t Vocabulary::Intern(std::string_view term) {
  if (auto it = ids_.find(term); it != ids_.end()) return it->second;
  if (df_.size() >= kMaxTerms) return kMaxTerms;
  const auto id = static_cast<std::uint32_t>(df_.size());
  ids_.emplace(std::string(term), id);
  df_.push_back(0);
  return id;
}

DocTerms Vocabulary::BuildDoc(const std::vector<std::string_view>& texts, std::pmr::memory_resource* mr) {
  std::vector<std::uint32_t> ids;
  std::uint32_t length = 0;
  for (const std::string_view t : texts) {
    ForEachToken(t, [&](std::string_view token) {
      ++length;
      const std::uint32_t id = Intern(token);
      if (id < kMaxTerms) ids.push_back(id);
    });
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::uint32_t> packed;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    const auto tf = static_cast<std::uint32_t>(std::min<std::size_t>(j - i, 255));
    packed.push_back(ids[i] << 8 | tf);
    i = j;
  }
  DocTerms doc{FixedArray<std::uint32_t>(packed.size(), mr), length};
  std::copy(packed.begin(), packed.end(), doc.packed.begin());
  return doc;
}

QueryTerms Vocabulary::BuildQuery(const std::vector<std::string_view>& texts, bool intern) {
  if (!intern) return LookupQuery(texts);
  QueryTerms q;
  for (const std::string_view t : texts) {
    ForEachToken(t, [&](std::string_view token) {
      q.has_words = true;
      const std::uint32_t id = Intern(token);
      if (id < kMaxTerms) q.terms.push_back(id);
    });
  }
  std::sort(q.terms.begin(), q.terms.end());
  q.terms.erase(std::unique(q.terms.begin(), q.terms.end()), q.terms.end());
  return q;
}

QueryTerms Vocabulary::LookupQuery(const std::vector<std::string_view>& texts) const {
  QueryTerms q;
  for (const std::string_view t : texts) {
    ForEachToken(t, [&](std::string_view token) {
      q.has_words = true;
      if (auto it = ids_.find(token); it != ids_.end()) q.terms.push_back(it->second);
    });
  }
  std::sort(q.terms.begin(), q.terms.end());
  q.terms.erase(std::unique(q.terms.begin(), q.terms.end()), q.terms.end());
  return q;
}

void Vocabulary::AddDoc(const DocTerms& doc) {
  for (const std::uint32_t p : doc.packed) ++df_[p >> 8];
  ++docs_;
  total_length_ += doc.length;
}

void Vocabulary::RemoveDoc(const DocTerms& doc) {
  for (const std::uint32_t p : doc.packed) --df_[p >> 8];
  --docs_;
  total_length_ -= doc.length;
}

Vocabulary::Weighted Vocabulary::Weigh(const QueryTerms& query) const {
  Weighted w;
  w.has_words = query.has_words;
  w.avg_length = docs_ == 0 ? 1.0 : std::max(1.0, static_cast<double>(total_length_) / static_cast<double>(docs_));
  const auto n = static_cast<double>(docs_);
  for (const std::uint32_t t : query.terms) {
    if (t >= df_.size() || df_[t] == 0) continue;
    const auto df = static_cast<double>(df_[t]);
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    w.terms.push_back(t);
    w.idf.push_back(idf);
    w.idf_sum += idf;
  }
  return w;
}

double Vocabulary::Score(const Weighted& query, const DocTerms& doc) {
  if (query.idf_sum <= 0) return 0;
  const double norm = kK1 * (1 - kB + kB * static_cast<double>(doc.length) / query.avg_length);
  double sum = 0;
  std::size_t i = 0, j = 0;
  const auto& d = doc.packed;
  while (i < query.terms.size() && j < d.size()) {
    const std::uint32_t dt = d[j] >> 8;
    if (query.terms[i] < dt) {
      ++i;
    } else if (dt < query.terms[i]) {
      ++j;
    } else {
      const double tf = static_cast<double>(d[j] & 0xFF);
      sum += query.idf[i] * std::min(1.0, tf * (kK1 + 1) / (tf + norm));
      ++i, ++j;
    }
  }
  return std::min(1.0, sum / query.idf_sum);
}

}  // namespace biomatch::engine
