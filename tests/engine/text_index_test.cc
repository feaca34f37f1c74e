#include "text_index.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace biomatch::engine {
namespace {

std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> out;
  Tokenize(text, &out);
  return out;
}

TEST(TextIndexTest, AsciiWordsAreLowercased) {
  EXPECT_EQ(Tokens("LC-MS/MS Orbitrap, 480!"), (std::vector<std::string>{"lc", "ms", "ms", "orbitrap", "480"}));
}

TEST(TextIndexTest, CjkRunsBecomeBigrams) {
  EXPECT_EQ(Tokens("大鼠试验"), (std::vector<std::string>{"大鼠", "鼠试", "试验"}));
  EXPECT_EQ(Tokens("鼠"), (std::vector<std::string>{"鼠"}));
}

TEST(TextIndexTest, MixedScriptsSplitAtTheBoundary) {
  EXPECT_EQ(Tokens("需要GLP大鼠，28天"), (std::vector<std::string>{"需要", "glp", "大鼠", "28", "天"}));
}

TEST(TextIndexTest, InvalidUtf8SeparatesTokens) {
  EXPECT_EQ(Tokens("ab\xff" "cd"), (std::vector<std::string>{"ab", "cd"}));
  EXPECT_EQ(Tokens("\xe5\xa4"), (std::vector<std::string>{}));
}

TEST(TextIndexTest, OverlongWordsAreTruncated) {
  const std::string word(70, 'Q');
  EXPECT_EQ(Tokens(word + " ok"), (std::vector<std::string>{std::string(64, 'q'), "ok"}));
  EXPECT_EQ(Tokens("Ærø-Straße"), (std::vector<std::string>{"Ærø", "straße"}))
      << "other letters are kept as they are; ASCII letters in a word are lowercased";
}

// Terms of every length and in large numbers are told apart and found again
// (short terms and long ones are kept differently).
TEST(TextIndexTest, ManyShortAndLongTermsAreFound) {
  Vocabulary v;
  std::vector<DocTerms> docs;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = "w" + std::to_string(i) + " longword" + std::to_string(i) + "x";
    docs.push_back(v.BuildDoc({text}));
    v.AddDoc(docs.back());
  }
  for (int i = 0; i < 5000; i += 7) {
    for (const std::string& word : {"w" + std::to_string(i), "longword" + std::to_string(i) + "x"}) {
      const auto q = v.Weigh(v.LookupQuery({word}));
      ASSERT_EQ(q.terms.size(), 1u) << word;
      EXPECT_GT(Vocabulary::Score(q, docs[static_cast<std::size_t>(i)]), 0) << word;
      EXPECT_EQ(Vocabulary::Score(q, docs[static_cast<std::size_t>(i + 1)]), 0) << word;
    }
  }
  EXPECT_TRUE(v.LookupQuery({"w5000 longword5000x"}).terms.empty());
}

TEST(TextIndexTest, ChineseQueryFindsChineseTitle) {
  Vocabulary v;
  const DocTerms toxicity = v.BuildDoc({"大鼠28天重复给药毒性试验 (GLP)"});
  const DocTerms sequencing = v.BuildDoc({"全基因组测序 Illumina NovaSeq"});
  v.AddDoc(toxicity);
  v.AddDoc(sequencing);
  const auto q = v.Weigh(v.LookupQuery({"需要GLP大鼠重复给药毒性试验"}));
  const double hit = Vocabulary::Score(q, toxicity);
  const double miss = Vocabulary::Score(q, sequencing);
  EXPECT_GT(hit, 0.5);
  EXPECT_LE(hit, 1.0);
  EXPECT_EQ(miss, 0.0);
}

TEST(TextIndexTest, MoreMatchedTermsScoreHigher) {
  Vocabulary v;
  const DocTerms both = v.BuildDoc({"rat toxicity study"});
  const DocTerms one = v.BuildDoc({"rat breeding colony"});
  const DocTerms other = v.BuildDoc({"mouse imaging"});
  for (const DocTerms* d : {&both, &one, &other}) v.AddDoc(*d);
  const auto q = v.Weigh(v.LookupQuery({"rat toxicity"}));
  EXPECT_GT(Vocabulary::Score(q, both), Vocabulary::Score(q, one));
  EXPECT_GT(Vocabulary::Score(q, one), Vocabulary::Score(q, other));
}

// ScoreBound never falls below Score, whatever the documents and queries.
TEST(TextIndexTest, ScoreBoundIsAtLeastTheScore) {
  std::mt19937_64 rng(9);
  Vocabulary v;
  std::vector<std::string> words;
  for (int i = 0; i < 300; ++i) words.push_back("w" + std::to_string(i));
  auto random_text = [&](int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += words[rng() % words.size()] + " ";
    return text;
  };
  std::vector<DocTerms> docs;
  for (int i = 0; i < 500; ++i) {
    docs.push_back(v.BuildDoc({random_text(1 + static_cast<int>(rng() % 60))}));
    v.AddDoc(docs.back());
  }
  int bounded_below_one = 0;
  for (int i = 0; i < 200; ++i) {
    const auto q = v.Weigh(v.LookupQuery({random_text(1 + static_cast<int>(rng() % 12))}));
    for (const DocTerms& d : docs) {
      const double bound = Vocabulary::ScoreBound(q, d);
      ASSERT_GE(bound, Vocabulary::Score(q, d));
      ASSERT_LE(bound, 1.0);
      bounded_below_one += bound < 1.0;
    }
  }
  EXPECT_GT(bounded_below_one, 10000) << "the bound should usually be tighter than 1";
}

TEST(TextIndexTest, RemovedDocumentsNoLongerCount) {
  Vocabulary v;
  const DocTerms d = v.BuildDoc({"cryo-em"});
  v.AddDoc(d);
  EXPECT_EQ(v.Weigh(v.LookupQuery({"cryo"})).terms.size(), 1u);
  v.RemoveDoc(d);
  EXPECT_TRUE(v.Weigh(v.LookupQuery({"cryo"})).terms.empty());
}

}  // namespace
}  // namespace biomatch::engine
