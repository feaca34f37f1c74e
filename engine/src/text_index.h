// Text relevance: tokenizer, vocabulary with document frequencies, and a
// BM25-style score normalised to [0,1].
//
// Tokens: see biomatch/engine/tokenize.h.
//
// Thread safety: const methods may be called concurrently; mutation needs
// external synchronisation (the Engine's lock).
#pragma once

#include <array>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/tokenize.h"
#include "fixed_array.h"
#include "string_index.h"

namespace biomatch::engine {

// A document's terms, (term id << 8 | min(tf, 255)) sorted, one per term,
// its length in tokens, and its signature (bit t % 64 set for each term t),
// in one block. Value type, copyable on purpose.
class DocTerms {
 public:
  // The read side, a pointer to the block: valid while the DocTerms lives.
  // Implicit: a document reads as its view.
  class View {
   public:
    View() = default;  // an empty document
    View(const DocTerms& doc) : w_(doc.words_.empty() ? kEmpty : doc.words_.data()) {}  // NOLINT(runtime/explicit)

    std::uint32_t length() const { return w_[0]; }
    std::span<const std::uint32_t> packed() const { return {w_ + kHeaderWords, w_[1]}; }
    std::uint64_t signature() const { return std::uint64_t{w_[3]} << 32 | w_[2]; }
    // Hints the CPU to load the terms (a performance hint only).
    void Prefetch() const { __builtin_prefetch(w_); }

   private:
    friend class DocTerms;
    static constexpr std::size_t kHeaderWords = 4;  // length, count, signature (two words)
    static constexpr std::uint32_t kEmpty[kHeaderWords] = {};
    const std::uint32_t* w_ = kEmpty;
  };

  DocTerms() = default;
  // The block comes from `mr`.
  DocTerms(std::span<const std::uint32_t> packed, std::uint32_t length,
           std::pmr::memory_resource* mr = std::pmr::get_default_resource());

  View view() const { return *this; }
  std::uint32_t length() const { return view().length(); }
  std::span<const std::uint32_t> packed() const { return view().packed(); }

 private:
  FixedArray<std::uint32_t> words_;  // the header, then the packed terms
};

// A query's distinct term ids, sorted. `has_words` is false when the query
// text had no token at all (the text factor then does not apply).
struct QueryTerms {
  std::vector<std::uint32_t> terms;
  bool has_words = false;
};

class Vocabulary {
 public:
  static constexpr std::uint32_t kMaxTerms = 1u << 24;

  // Interns every token of `texts` (REQUIRES: fewer than kMaxTerms distinct
  // terms ever; further new terms are dropped). The terms' block comes from
  // `mr`.
  DocTerms BuildDoc(const std::vector<std::string_view>& texts,
                    std::pmr::memory_resource* mr = std::pmr::get_default_resource());
  // With `intern` false, tokens never seen before are left out (they occur in
  // no document, so they cannot change a score).
  QueryTerms BuildQuery(const std::vector<std::string_view>& texts, bool intern);
  QueryTerms LookupQuery(const std::vector<std::string_view>& texts) const;

  // Document frequency bookkeeping for the indexed documents.
  void AddDoc(const DocTerms& doc);
  void RemoveDoc(const DocTerms& doc);

  // Per-query weights: the idf of each query term that occurs in some document.
  struct Weighted {
    std::vector<std::uint32_t> terms;  // sorted
    std::vector<double> idf;
    std::array<std::uint64_t, 4> filter{};  // bit t % 256 set for each term t
    std::array<double, 64> idf_by_bit{};    // idf sum of the terms t with t % 64 == bit
    double idf_sum = 0;
    double avg_length = 1;
    bool has_words = false;
  };
  Weighted Weigh(const QueryTerms& query) const;

  // Sum over matched query terms of idf x min(1, BM25 saturation), divided by
  // the idf sum of the query: 1 when every query term occurs in a document of
  // average length, less for missing terms and longer documents.
  static double Score(const Weighted& query, DocTerms::View doc);
  // At least Score(query, doc), from the document's signature alone: the idf
  // of the query terms whose signature bits the document has, over the idf
  // sum, raised by a relative 1e-9 against rounding, at most 1. Cheap where
  // Score merges term lists.
  static double ScoreBound(const Weighted& query, DocTerms::View doc);

 private:
  // Term ids. A term of at most kShortTermBytes bytes (most are) is found by
  // its bytes read as one integer, zero-padded (a token holds no NUL byte), in
  // short_terms_; a longer one by string in long_terms_.
  static constexpr std::size_t kShortTermBytes = 8;
  struct ShortTerm {
    std::uint64_t key = 0;  // 0: an empty slot
    std::uint32_t id = 0;
  };
  static std::uint64_t ShortKey(std::string_view term);
  std::size_t ShortSlot(std::uint64_t key) const;  // its slot or an empty one
  std::optional<std::uint32_t> Find(std::string_view term) const;
  // The id of `term`, added if new; kMaxTerms once the vocabulary is full.
  // Inlined into the tokenizer loops, which call it for every token (it is
  // defined in text_index.cc, the only file that calls it).
  [[gnu::always_inline]] inline std::uint32_t Intern(std::string_view term);
  // Out of line, so that Intern's common case stays small enough to inline.
  [[gnu::noinline]] std::uint32_t Add(std::string_view term);  // REQUIRES: `term` is new

  std::vector<ShortTerm> short_terms_;  // open addressing, at most half full
  std::size_t short_count_ = 0;
  StringIndex long_terms_;
  std::vector<std::uint32_t> scratch_;  // BuildDoc's term ids
  std::vector<std::uint32_t> df_;
  std::uint64_t docs_ = 0;
  std::uint64_t total_length_ = 0;
};

}  // namespace biomatch::engine
