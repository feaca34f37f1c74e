#include "text_index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <utility>

namespace biomatch::engine {
namespace {

constexpr std::size_t kMaxWordBytes = 64;
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// Decodes one non-ASCII UTF-8 code point at text[*pos]; returns -1 for an
// invalid byte (and skips it). REQUIRES: text[*pos] >= 0x80 (ForEachToken
// takes ASCII itself).
inline std::int32_t NextCodePoint(std::string_view text, std::size_t* pos) {
  const auto b0 = static_cast<unsigned char>(text[*pos]);
  // Three bytes first: every CJK character in the basic plane.
  if ((b0 & 0xF0) == 0xE0 && *pos + 3 <= text.size()) {
    const auto b1 = static_cast<unsigned char>(text[*pos + 1]);
    const auto b2 = static_cast<unsigned char>(text[*pos + 2]);
    if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
      *pos += 3;
      return static_cast<std::int32_t>((b0 & 0x0Fu) << 12 | (b1 & 0x3Fu) << 6 | (b2 & 0x3Fu));
    }
  }
  int len;
  std::uint32_t cp;
  if ((b0 & 0xE0) == 0xC0) {
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

// Whether a non-ASCII code point (or -1, an invalid byte) separates words;
// ASCII is kAsciiWordChar's.
bool IsSeparator(std::int32_t cp) {
  return cp < 0 || (cp >= 0x80 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

// For each byte: its lowercase form when it is an ASCII letter or digit,
// else 0.
constexpr std::array<char, 256> kAsciiWordChar = [] {
  std::array<char, 256> t{};
  for (char c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = c;
  for (char c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = c;
  for (char c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>(c - 'A' + 'a');
  return t;
}();

// Calls emit(token) for each token of `text`; the view is valid only during
// the call.
template <typename Emit>
void ForEachToken(std::string_view text, Emit&& emit) {
  char word[kMaxWordBytes];  // the current ASCII/other-script word, lowercased
  std::size_t word_size = 0;
  std::size_t cjk_start = 0, cjk_prev = 0, cjk_chars = 0;  // the current CJK run
  auto flush_word = [&] {
    if (word_size > 0) emit(std::string_view(word, word_size));
    word_size = 0;
  };
  auto flush_cjk = [&] {
    if (cjk_chars == 1) emit(text.substr(cjk_start, cjk_prev - cjk_start));
    cjk_chars = 0;
  };
  std::size_t pos = 0;
  std::size_t last_char = 0;  // start of the previous CJK character
  while (pos < text.size()) {
    // ASCII first, the common case: a letter or digit continues a word,
    // anything else separates.
    if (const auto byte = static_cast<unsigned char>(text[pos]); byte < 0x80) {
      char c = kAsciiWordChar[byte];
      if (c == 0) {
        flush_word();
        flush_cjk();
        ++pos;
        continue;
      }
      flush_cjk();
      do {  // the rest of the ASCII letters and digits in a row
        if (word_size < kMaxWordBytes) word[word_size++] = c;
      } while (++pos < text.size() && (c = kAsciiWordChar[static_cast<unsigned char>(text[pos])]) != 0);
      continue;
    }
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
      if (word_size + (pos - start) > kMaxWordBytes) continue;  // overlong words are truncated
      std::memcpy(word + word_size, text.data() + start, pos - start);
      word_size += pos - start;
    }
  }
  flush_word();
  flush_cjk();
}

}  // namespace

void Tokenize(std::string_view text, std::vector<std::string>* out) {
  ForEachToken(text, [&](std::string_view token) { out->emplace_back(token); });
}

DocTerms::DocTerms(std::span<const std::uint32_t> packed, std::uint32_t length, std::pmr::memory_resource* mr)
    : words_(View::kHeaderWords + packed.size(), mr) {
  std::uint64_t signature = 0;
  for (const std::uint32_t p : packed) signature |= std::uint64_t{1} << ((p >> 8) % 64);
  words_[0] = length;
  words_[1] = static_cast<std::uint32_t>(packed.size());
  words_[2] = static_cast<std::uint32_t>(signature);
  words_[3] = static_cast<std::uint32_t>(signature >> 32);
  std::copy(packed.begin(), packed.end(), words_.begin() + View::kHeaderWords);
}

std::uint64_t Vocabulary::ShortKey(std::string_view term) {
  // Little-endian, from two loads that may overlap (an overlapping byte lands
  // where it belongs twice), never reading outside the term.
  const char* p = term.data();
  const std::size_t n = term.size();
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | std::uint64_t{hi} << (8 * (n - 4));
  }
  auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i); };
  return byte(0) | byte(n / 2) | byte(n - 1);
}

std::size_t Vocabulary::ShortSlot(std::uint64_t key) const {
  const std::size_t mask = short_terms_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;; i = (i + 1) & mask) {
    if (short_terms_[i].key == key || short_terms_[i].key == 0) return i;
  }
}

std::optional<std::uint32_t> Vocabulary::Find(std::string_view term) const {
  if (term.size() > kShortTermBytes) return long_terms_.Find(term);
  if (short_terms_.empty()) return std::nullopt;
  const ShortTerm& t = short_terms_[ShortSlot(ShortKey(term))];
  if (t.key == 0) return std::nullopt;
  return t.id;
}

inline std::uint32_t Vocabulary::Intern(std::string_view term) {
  if (term.size() <= kShortTermBytes && !short_terms_.empty()) {  // Find's common case, inline
    const ShortTerm& t = short_terms_[ShortSlot(ShortKey(term))];
    if (t.key != 0) return t.id;
  } else if (auto id = Find(term)) {
    return *id;
  }
  return Add(term);
}

std::uint32_t Vocabulary::Add(std::string_view term) {
  assert(!term.empty());
  if (term.size() > kShortTermBytes) {
    if (df_.size() >= kMaxTerms) return kMaxTerms;
    long_terms_.Insert(term, static_cast<std::uint32_t>(df_.size()));
  } else {
    if ((short_count_ + 1) * 2 > short_terms_.size()) {  // at most half full
      std::vector<ShortTerm> old(std::max<std::size_t>(64, 2 * short_terms_.size()));
      old.swap(short_terms_);
      for (const ShortTerm& t : old) {
        if (t.key != 0) short_terms_[ShortSlot(t.key)] = t;
      }
    }
    if (df_.size() >= kMaxTerms) return kMaxTerms;
    const std::uint64_t key = ShortKey(term);
    short_terms_[ShortSlot(key)] = {key, static_cast<std::uint32_t>(df_.size())};
    ++short_count_;
  }
  df_.push_back(0);
  return static_cast<std::uint32_t>(df_.size() - 1);
}

DocTerms Vocabulary::BuildDoc(const std::vector<std::string_view>& texts, std::pmr::memory_resource* mr) {
  std::vector<std::uint32_t>& ids = scratch_;
  ids.clear();
  std::uint32_t length = 0;
  for (const std::string_view t : texts) {
    ForEachToken(t, [&](std::string_view token) {
      ++length;
      const std::uint32_t id = Intern(token);
      if (id < kMaxTerms) ids.push_back(id);
    });
  }
  std::sort(ids.begin(), ids.end());
  // Each run of one id becomes one packed term, written over the runs.
  std::size_t terms = 0;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i + 1;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    ids[terms++] = ids[i] << 8 | static_cast<std::uint32_t>(std::min<std::size_t>(j - i, 255));
    i = j;
  }
  return DocTerms(std::span<const std::uint32_t>(ids.data(), terms), length, mr);
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
      if (auto id = Find(token)) q.terms.push_back(*id);
    });
  }
  std::sort(q.terms.begin(), q.terms.end());
  q.terms.erase(std::unique(q.terms.begin(), q.terms.end()), q.terms.end());
  return q;
}

void Vocabulary::AddDoc(const DocTerms& doc) {
  for (const std::uint32_t p : doc.packed()) ++df_[p >> 8];
  ++docs_;
  total_length_ += doc.length();
}

void Vocabulary::RemoveDoc(const DocTerms& doc) {
  for (const std::uint32_t p : doc.packed()) --df_[p >> 8];
  --docs_;
  total_length_ -= doc.length();
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
    w.filter[t % 256 / 64] |= std::uint64_t{1} << (t % 64);
    w.idf_by_bit[t % 64] += idf;
  }
  return w;
}

double Vocabulary::ScoreBound(const Weighted& query, DocTerms::View doc) {
  if (query.idf_sum <= 0) return 0;
  // The query's signature: bit t % 64 is set in one of the filter's words.
  const std::uint64_t signature = query.filter[0] | query.filter[1] | query.filter[2] | query.filter[3];
  double sum = 0;
  for (std::uint64_t common = doc.signature() & signature; common != 0; common &= common - 1) {
    sum += query.idf_by_bit[static_cast<std::size_t>(std::countr_zero(common))];
  }
  return std::min(1.0, sum / query.idf_sum * (1 + 1e-9));
}

double Vocabulary::Score(const Weighted& query, DocTerms::View doc) {
  if (query.idf_sum <= 0) return 0;
  const double norm = kK1 * (1 - kB + kB * static_cast<double>(doc.length()) / query.avg_length);
  double sum = 0;
  // Document terms in order; the few that pass the filter are looked for
  // among the query's (also in order), so matches add up in term order.
  const std::size_t n = query.terms.size();
  std::size_t i = 0;
  for (const std::uint32_t packed : doc.packed()) {
    const std::uint32_t t = packed >> 8;
    if ((query.filter[t % 256 / 64] >> (t % 64) & 1) == 0) continue;
    while (i < n && query.terms[i] < t) ++i;
    if (i == n) break;
    if (query.terms[i] != t) continue;
    const double tf = static_cast<double>(packed & 0xFF);
    sum += query.idf[i] * std::min(1.0, tf * (kK1 + 1) / (tf + norm));
    ++i;
  }
  return std::min(1.0, sum / query.idf_sum);
}

}  // namespace biomatch::engine
