#include "biomatch/catalog/catalog.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <exception>
#include <string>
#include <thread>

namespace biomatch::catalog {
namespace {

using engine::Seconds;
using engine::Slot;
using engine::Stage;
using engine::StageSet;
using engine::Unit;

constexpr Seconds kHour = 3600;
constexpr Seconds kDay = 24 * kHour;
constexpr Seconds kWeek = 7 * kDay;
constexpr Seconds kChinaOffset = 8 * kHour;   // calendars follow Beijing time (UTC+8)
constexpr Seconds kYear2027 = 1798761600;      // 2027-01-01T00:00:00Z
constexpr double kSqrt3 = 1.7320508075688772;

// Independent random streams: each entity draws from Rng(seed, stream, index),
// so entity i does not depend on how many entities come before or after it.
enum Stream : std::uint64_t {
  kStreamPlatform = 1,
  kStreamCapability = 2,
  kStreamRequest = 3,
  kStreamQuery = 4,
};

// ---------------------------------------------------------------------------
// Randomness. splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and its output
// is fixed by the algorithm, unlike std::*_distribution.

constexpr std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t index)
      : state_(SplitMix64(SplitMix64(seed ^ (stream * 0xD1B54A32D192ED03ull)) ^ index)) {}

  std::uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0. The modulo bias is below 2^-40 for
  // the sizes used here.
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(Next() % n); }
  // Uniform integer in [lo, hi]. REQUIRES: lo <= hi.
  std::int64_t Between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(Next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Range(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  bool Chance(double p) { return Uniform() < p; }
  // Approximately standard normal: the Irwin-Hall sum of four uniforms,
  // rescaled. Bounded to [-2*sqrt(3), 2*sqrt(3)], which keeps prices within
  // known limits (see kMinPriceFactor).
  double Normal() { return (Uniform() + Uniform() + Uniform() + Uniform() - 2.0) * kSqrt3; }

 private:
  std::uint64_t state_;
};

// e^x for |x| <= 16 from basic arithmetic only (so it is bit-identical on every
// IEEE 754 platform): a Taylor series on x/16, then squared four times.
double Exp(double x) {
  const double r = x / 16.0;
  double term = 1.0;
  double sum = 1.0;
  for (int k = 1; k <= 14; ++k) {
    term *= r / k;
    sum += term;
  }
  for (int i = 0; i < 4; ++i) sum *= sum;
  return sum;
}

// Prices are log-normal around the leaf's typical price with this sigma; the
// bounded Normal() keeps every price above typical * kMinPriceFactor, which
// the "budget too low" infeasible requests rely on.
constexpr double kPriceSigma = 0.5;
// e^(-0.5 * 2 * sqrt(3)) = 0.177, times the cheapest city factor (0.95 * 0.9)
// is 0.151; rounding (two significant digits, whole CNY for the cheapest
// leaves) keeps at least 0.133 of the typical price.
constexpr double kMinPriceFactor = 0.128;

double Round5(double v) { return std::floor(v * 1e5 + 0.5) / 1e5; }

// Rounds to two significant digits (integers below 100), as price lists do.
double RoundNice(double v, bool down) {
  if (v < 1) return down ? 0 : 1;
  double step = 1;
  while (v >= 100 * step) step *= 10;
  return (down ? std::floor(v / step) : std::floor(v / step + 0.5)) * step;
}

// Picks index i with probability weight[i] / sum; binary search over the
// cumulative sums.
class WeightedPicker {
 public:
  WeightedPicker() = default;
  void Reserve(std::size_t n) { cumulative_.reserve(n); }
  void Add(double weight) { cumulative_.push_back((cumulative_.empty() ? 0.0 : cumulative_.back()) + weight); }
  std::size_t Pick(Rng& rng) const {
    const double x = rng.Uniform() * cumulative_.back();
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    return std::min(static_cast<std::size_t>(it - cumulative_.begin()), cumulative_.size() - 1);
  }

 private:
  std::vector<double> cumulative_;
};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (!s.empty()) {
    const std::size_t pos = s.find(sep);
    parts.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return parts;
}

void AppendInt(std::int64_t v, std::string* out) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, res.ptr);
}

// "p-000042": fixed width so byte order equals numeric order.
void AppendId(std::string_view prefix, std::size_t number, int width, std::string* out) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(number));
  const int digits = static_cast<int>(res.ptr - buf);
  out->append(prefix);
  if (digits < width) out->append(static_cast<std::size_t>(width - digits), '0');
  out->append(buf, res.ptr);
}

// Width for ids 1..count: at least `min_width` digits.
int IdWidth(std::size_t count, int min_width) {
  int digits = 1;
  for (std::size_t v = count; v >= 10; v /= 10) ++digits;
  return std::max(digits, min_width);
}

bool IsAsciiWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ')' ||
         c == '%' || c == '\'';
}

// Appends `part`, with a space when ASCII words would otherwise run together
// or meet CJK text ("Orbitrap Exploris 480 高分辨质谱", but "大鼠28天重复给药").
void AppendPart(std::string_view part, std::string* out) {
  if (part.empty()) return;
  if (!out->empty() && out->back() != ' ' && out->back() != '(' &&
      (IsAsciiWordChar(out->back()) || IsAsciiWordChar(part.front()))) {
    out->push_back(' ');
  }
  out->append(part);
}

// Upper-cases the first letter at `from` unless the first word mixes cases or
// is a symbol ("mRNA", "iPSC", "db/db" stay as they are).
void CapitalizeFirst(std::string* s, std::size_t from) {
  if (from >= s->size() || (*s)[from] < 'a' || (*s)[from] > 'z') return;
  for (std::size_t i = from + 1; i < s->size() && (*s)[i] != ' '; ++i) {
    if (((*s)[i] >= 'A' && (*s)[i] <= 'Z') || (*s)[i] == '/') return;
  }
  (*s)[from] = static_cast<char>((*s)[from] - 'a' + 'A');
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// ---------------------------------------------------------------------------
// Static tables.

// Stage masks for the leaf table.
constexpr unsigned kD = 1u << 0;  // discovery
constexpr unsigned kP = 1u << 1;  // preclinical
constexpr unsigned kC = 1u << 2;  // clinical
constexpr unsigned kR = 1u << 3;  // registration
constexpr unsigned kM = 1u << 4;  // production
constexpr Stage kDis = Stage::kDiscovery;
constexpr Stage kPre = Stage::kPreclinical;
constexpr Stage kCli = Stage::kClinical;
constexpr Stage kReg = Stage::kRegistration;
constexpr Stage kPro = Stage::kProduction;
constexpr Unit kHr = Unit::kHour;
constexpr Unit kSm = Unit::kSample;
constexpr Unit kSt = Unit::kStudy;
constexpr Unit kDy = Unit::kDay;
constexpr Unit kBt = Unit::kBatch;

// Fields: the first segment of every leaf path.
//   quals: qualification:percent held by a platform whose main field this is;
//   required: what a request in this field asks for, most common first (the
//   first is also the one a title may advertise, "... (GLP)").
struct FieldDef {
  const char* name;
  double weight;  // share of platforms and requests
  engine::PlatformKind kind;
  const char* centers;    // '|'-separated suffixes of institutional platform names
  const char* companies;  // '|'-separated company name endings
  const char* quals;
  const char* required;
};

using PK = engine::PlatformKind;
constexpr FieldDef kFields[] = {
    {"analysis", 20, PK::kBasicCondition,
     "分析测试中心|质谱共享平台|大型仪器共享平台|公共技术服务平台|结构生物学平台|生物医学成像平台",
     "检测技术有限公司|分析仪器共享服务有限公司", "CNAS:50|CMA:45|ISO17025:40|ISO9001:30", "CNAS|CMA|ISO17025"},
    {"sequencing", 12, PK::kBasicCondition, "高通量测序平台|基因组学中心|精准医学中心|生物信息平台",
     "基因科技有限公司|生物信息技术有限公司", "ISO9001:45|CAP:30|CNAS:30|CMA:20", "ISO9001|CAP|CNAS"},
    {"preclinical", 14, PK::kTechnologyService, "GLP中心|新药安全性评价中心|药物评价研究中心|药理毒理研究平台",
     "医药科技有限公司|药物评价有限公司|新药研究有限公司", "GLP:85|AAALAC:55|CNAS:25|ISO9001:30", "GLP|AAALAC"},
    {"animal", 9, PK::kBasicCondition, "实验动物中心|动物模型平台|比较医学中心|实验动物公共服务平台",
     "实验动物科技有限公司|生物模型有限公司", "AAALAC:60|ISO9001:35|CNAS:15", "AAALAC|ISO9001"},
    {"cell", 7, PK::kTechnologyService, "细胞生物学平台|干细胞研究中心|细胞治疗中心|基因编辑平台",
     "细胞科技有限公司|生物技术有限公司", "ISO9001:45|GMP:20|CNAS:20", "ISO9001|GMP"},
    {"testing", 10, PK::kTechnologyService, "检验检测研究院|药品检验所|医疗器械检验中心|质量检测中心",
     "检验检测有限公司|质量技术服务有限公司", "CMA:85|CNAS:75|ISO17025:50|GLP:10", "CMA|CNAS|ISO17025"},
    {"manufacturing", 6, PK::kTechnologyService, "生物药中试平台|CDMO生产基地|GMP中试车间|制剂工程中心",
     "生物制药有限公司|医药CDMO有限公司", "GMP:80|ISO9001:55", "GMP|ISO9001"},
    {"chemistry", 5, PK::kTechnologyService, "药物化学平台|化学合成中心|计算化学平台|新药创制平台",
     "医药化学有限公司|化学技术有限公司", "ISO9001:40|CNAS:15", "ISO9001"},
    {"clinical", 6, PK::kTechnologyService, "临床研究中心|药物临床试验机构|I期临床研究室|医学检验中心",
     "医药研究有限公司|临床研究服务有限公司", "CAP:40|ISO9001:40|CNAS:30", "CAP|ISO9001"},
    {"registration", 4, PK::kTransformation, "注册申报服务中心|知识产权服务中心|药品审评咨询平台",
     "医药咨询有限公司|知识产权代理有限公司", "ISO9001:30", "ISO9001"},
    {"transformation", 4, PK::kTransformation, "成果转化中心|生物医药孵化器|技术转移中心|生物医药加速器",
     "科技企业孵化器有限公司|技术转移服务有限公司", "ISO9001:20", "ISO9001"},
    {"data", 3, PK::kBasicCondition, "生物医学大数据中心|生物样本库|超算中心|科技信息服务平台",
     "数据科技有限公司|信息技术有限公司", "ISO9001:40|CAP:15|CNAS:10", "ISO9001"},
};
constexpr std::size_t kFieldCount = sizeof(kFields) / sizeof(kFields[0]);

constexpr std::string_view kQualNames[] = {"GLP", "CNAS", "CMA", "AAALAC", "ISO17025", "ISO9001", "GMP", "CAP"};
constexpr std::size_t kQualCount = sizeof(kQualNames) / sizeof(kQualNames[0]);
// Names no generated platform ever holds (for infeasible requests).
constexpr std::string_view kUnheldQuals[] = {"FDA-GLP", "EU-GMP", "PIC/S-GMP"};

// The taxonomy. variants: '|'-separated "中文~English" (or one text for both)
// used in titles and request text; keywords: space-separated, English and
// Chinese.
struct LeafDef {
  const char* path;
  const char* zh;
  const char* en;
  Unit unit;
  unsigned stages;
  Stage primary;
  double price;  // typical CNY per unit
  unsigned weight;
  const char* variants;
  const char* keywords;
};

constexpr LeafDef kLeaves[] = {
    // analysis: shared instruments, mostly booked by the hour.
    {"analysis/mass-spectrometry/lc-ms", "液质联用(LC-MS/MS)分析", "LC-MS/MS analysis", kHr, kD | kP | kC, kDis, 600, 10,
     "Sciex Triple Quad 7500|Waters Xevo TQ-XS|Agilent 6495C|Thermo TSQ Altis", "LC-MS/MS 液质联用 quantitation 定量 质谱 mass-spectrometry"},
    {"analysis/mass-spectrometry/hrms", "高分辨质谱", "high-resolution mass spectrometry", kHr, kD | kP, kDis, 1000, 8,
     "Orbitrap Exploris 480|Q Exactive HF-X|Orbitrap Fusion Lumos|timsTOF Pro 2", "Orbitrap HRMS 高分辨 质谱 mass-spectrometry"},
    {"analysis/mass-spectrometry/gc-ms", "气质联用(GC-MS)分析", "GC-MS analysis", kHr, kD | kP | kM, kDis, 400, 5,
     "Agilent 8890/5977B|Shimadzu GCMS-QP2020|Thermo ISQ 7000", "GC-MS 气质联用 volatile 挥发性 质谱"},
    {"analysis/mass-spectrometry/maldi-tof", "MALDI-TOF质谱", "MALDI-TOF mass spectrometry", kHr, kD | kC, kDis, 500, 3,
     "Bruker autoflex maX|Bruker rapifleX", "MALDI-TOF 质谱 imaging 微生物鉴定"},
    {"analysis/mass-spectrometry/icp-ms", "电感耦合等离子体质谱(ICP-MS)", "ICP-MS elemental analysis", kSm, kD | kP | kM, kPro, 250, 4,
     "Agilent 7900|Thermo iCAP RQ|PerkinElmer NexION 2000", "ICP-MS 元素 elemental 重金属 trace-metals"},
    {"analysis/mass-spectrometry/proteomics", "蛋白质组学分析", "proteomics analysis", kSm, kD | kC, kDis, 1500, 6,
     "DIA 定量~DIA quantitative|TMT 标记~TMT-labelled|磷酸化~phospho|Label-free~label-free", "proteomics 蛋白质组 DIA TMT 质谱"},
    {"analysis/mass-spectrometry/metabolomics", "代谢组学分析", "metabolomics analysis", kSm, kD | kC, kDis, 800, 6,
     "LC-MS/MS 非靶向~untargeted LC-MS/MS|靶向~targeted|脂质组~lipidomics", "metabolomics 代谢组 LC-MS/MS lipidomics 脂质组"},
    {"analysis/nmr/solution", "液体核磁共振", "solution NMR", kHr, kD | kP, kDis, 500, 6,
     "Bruker Avance NEO 600 MHz|Bruker Avance III 800 MHz|JEOL ECZ 500 MHz", "NMR 核磁 核磁共振 structure 结构鉴定"},
    {"analysis/nmr/solid-state", "固体核磁共振", "solid-state NMR", kHr, kD, kDis, 700, 2,
     "Bruker Avance NEO 400 MHz WB|Bruker Avance NEO 600 MHz", "NMR 固体核磁 solid-state 晶型"},
    {"analysis/nmr/cryoprobe", "超低温探头核磁", "cryoprobe NMR", kHr, kD, kDis, 900, 2,
     "Bruker Avance NEO 700 MHz|Bruker Avance III HD 900 MHz", "NMR cryoprobe 超低温探头 protein 蛋白结构"},
    {"analysis/microscopy/confocal", "激光共聚焦显微成像", "confocal microscopy", kHr, kD, kDis, 200, 9,
     "Zeiss LSM 980|Leica STELLARIS 8|Nikon AX R|Olympus FV3000", "confocal 共聚焦 imaging 成像 fluorescence 荧光"},
    {"analysis/microscopy/tem", "透射电镜(TEM)", "transmission electron microscopy", kHr, kD | kM, kDis, 800, 4,
     "JEOL JEM-1400Flash|Thermo Talos L120C|Hitachi HT7800", "TEM 透射电镜 electron-microscopy 电镜 负染"},
    {"analysis/microscopy/sem", "扫描电镜(SEM)", "scanning electron microscopy", kHr, kD | kM, kDis, 500, 4,
     "Zeiss GeminiSEM 300|Hitachi SU8010|Thermo Apreo 2", "SEM 扫描电镜 electron-microscopy 形貌"},
    {"analysis/microscopy/cryo-em", "冷冻电镜", "cryo-EM", kHr, kD, kDis, 3000, 3,
     "Titan Krios G4|Glacios 2|Talos Arctica", "cryo-EM 冷冻电镜 structure 结构生物学 single-particle 单颗粒"},
    {"analysis/microscopy/super-resolution", "超分辨显微成像", "super-resolution microscopy", kHr, kD, kDis, 400, 2,
     "Nikon N-SIM S|Zeiss Elyra 7|Abberior STED", "super-resolution 超分辨 STED SIM imaging"},
    {"analysis/microscopy/high-content", "高内涵成像", "high-content imaging", kHr, kD, kDis, 350, 3,
     "Opera Phenix Plus|ImageXpress Micro Confocal|CellInsight CX7", "high-content 高内涵 screening 筛选 imaging"},
    {"analysis/chromatography/hplc", "高效液相色谱(HPLC)分析", "HPLC analysis", kSm, kD | kP | kR | kM, kPro, 200, 8,
     "Agilent 1260 Infinity II|Waters Alliance e2695|Shimadzu LC-20A", "HPLC 液相 色谱 purity 纯度 含量"},
    {"analysis/chromatography/uplc", "超高效液相色谱(UPLC)", "UPLC analysis", kHr, kD | kP | kM, kDis, 300, 4,
     "Waters ACQUITY UPLC H-Class|Thermo Vanquish", "UPLC 液相 色谱 chromatography"},
    {"analysis/chromatography/gpc", "凝胶渗透色谱(GPC)", "GPC molecular weight analysis", kSm, kD | kM, kDis, 300, 2,
     "Agilent PL-GPC 50|Waters ACQUITY APC", "GPC 分子量 polymer 高分子"},
    {"analysis/chromatography/ion-chromatography", "离子色谱分析", "ion chromatography", kSm, kD | kM, kPro, 150, 2,
     "Thermo Dionex ICS-6000|Metrohm 930", "ion-chromatography 离子色谱 anions 阴离子"},
    {"analysis/spectroscopy/ftir", "红外光谱(FTIR)", "FTIR spectroscopy", kSm, kD | kM, kDis, 120, 3,
     "Thermo Nicolet iS50|Bruker INVENIO", "FTIR 红外 spectroscopy 光谱"},
    {"analysis/spectroscopy/raman", "拉曼光谱", "Raman spectroscopy", kHr, kD | kM, kDis, 300, 2,
     "Horiba LabRAM HR Evolution|Renishaw inVia", "Raman 拉曼 spectroscopy 光谱"},
    {"analysis/spectroscopy/circular-dichroism", "圆二色光谱", "circular dichroism", kHr, kD, kDis, 300, 2,
     "Jasco J-1500|Chirascan", "CD 圆二色 protein 二级结构"},
    {"analysis/flow-cytometry/analyzer", "流式细胞分析", "flow cytometry analysis", kHr, kD | kP | kC, kDis, 250, 9,
     "BD FACSCelesta|Beckman CytoFLEX LX|BD LSRFortessa|Cytek Aurora", "flow-cytometry 流式 FACS immunophenotyping 免疫表型"},
    {"analysis/flow-cytometry/cell-sorting", "流式细胞分选", "flow cytometric cell sorting", kHr, kD, kDis, 600, 4,
     "BD FACSAria III|MoFlo Astrios EQ|Sony MA900", "cell-sorting 分选 FACS 流式"},
    {"analysis/flow-cytometry/mass-cytometry", "质谱流式(CyTOF)", "mass cytometry (CyTOF)", kSm, kD | kC, kDis, 2000, 2,
     "CyTOF XT|Helios", "CyTOF 质谱流式 single-cell 单细胞 immune 免疫"},
    {"analysis/biophysics/spr", "表面等离子共振(SPR)", "surface plasmon resonance", kHr, kD, kDis, 600, 4,
     "Biacore 8K|Biacore T200|Reichert 4SPR", "SPR Biacore 亲和力 affinity kinetics 动力学"},
    {"analysis/biophysics/itc", "等温滴定量热(ITC)", "isothermal titration calorimetry", kHr, kD, kDis, 400, 2,
     "MicroCal PEAQ-ITC|TA Affinity ITC", "ITC 量热 binding 结合"},
    {"analysis/biophysics/x-ray-diffraction", "X射线衍射", "X-ray diffraction", kHr, kD | kM, kDis, 500, 4,
     "Bruker D8 Venture|Rigaku XtaLAB Synergy|Rigaku SmartLab", "XRD X-ray 单晶 晶型 crystallography"},
    {"analysis/biophysics/dls", "动态光散射粒径分析", "dynamic light scattering", kSm, kD | kM, kDis, 150, 2,
     "Malvern Zetasizer Ultra|Wyatt DynaPro", "DLS 粒径 particle-size zeta"},

    // sequencing: priced per sample.
    {"sequencing/ngs/whole-genome", "全基因组测序", "whole-genome sequencing", kSm, kD | kC, kDis, 3000, 10,
     "人 30X~human 30x|人 60X~human 60x|微生物~microbial|动植物~plant and animal", "WGS 全基因组 测序 NGS NovaSeq"},
    {"sequencing/ngs/whole-exome", "全外显子测序", "whole-exome sequencing", kSm, kD | kC, kCli, 1500, 7,
     "100X|200X", "WES 外显子 测序 NGS 遗传病"},
    {"sequencing/ngs/rna-seq", "转录组测序", "RNA-seq", kSm, kD, kDis, 600, 12,
     "真核有参~eukaryotic reference-based|lncRNA|小RNA~small RNA|全长~full-length", "RNA-seq 转录组 测序 表达谱 expression"},
    {"sequencing/ngs/single-cell", "单细胞转录组测序", "single-cell RNA-seq", kSm, kD | kC, kDis, 12000, 8,
     "10x Genomics 3'|10x Multiome|BD Rhapsody|Parse Evercode", "single-cell 单细胞 scRNA-seq 10x 测序"},
    {"sequencing/ngs/chip-seq", "表观基因组测序", "epigenomic sequencing", kSm, kD, kDis, 2500, 3,
     "ChIP-seq|CUT&Tag|ATAC-seq", "ChIP-seq 表观 epigenetics ATAC-seq"},
    {"sequencing/ngs/metagenomics", "宏基因组测序", "metagenomic sequencing", kSm, kD | kC, kDis, 1000, 5,
     "16S rRNA|鸟枪法~shotgun|mNGS 病原~mNGS pathogen", "metagenomics 宏基因组 16S 微生物组 microbiome"},
    {"sequencing/ngs/methylation", "甲基化测序", "methylation sequencing", kSm, kD | kC, kDis, 2500, 3,
     "WGBS|RRBS|靶向~targeted", "methylation 甲基化 WGBS 表观"},
    {"sequencing/ngs/targeted-panel", "靶向panel测序", "targeted panel sequencing", kSm, kD | kC, kCli, 2000, 6,
     "肿瘤~oncology|遗传病~hereditary disease|ctDNA 液体活检~ctDNA liquid biopsy", "panel 靶向测序 tumor 肿瘤 NGS"},
    {"sequencing/long-read/pacbio-hifi", "PacBio HiFi测序", "PacBio HiFi sequencing", kSm, kD, kDis, 8000, 3,
     "Revio|Sequel IIe", "PacBio HiFi 三代测序 long-read 基因组组装"},
    {"sequencing/long-read/nanopore", "纳米孔测序", "nanopore sequencing", kSm, kD, kDis, 5000, 3,
     "PromethION|GridION", "nanopore 纳米孔 ONT long-read 三代测序"},
    {"sequencing/sanger/plasmid", "质粒Sanger测序", "plasmid Sanger sequencing", kSm, kD, kDis, 15, 8,
     "ABI 3730xl|ABI SeqStudio", "Sanger 一代测序 plasmid 质粒 测序"},
    {"sequencing/sanger/pcr-product", "PCR产物Sanger测序", "PCR product Sanger sequencing", kSm, kD, kDis, 20, 4,
     "ABI 3730xl|ABI 3500xL", "Sanger PCR 一代测序 测序"},
    {"sequencing/bioinformatics/variant-calling", "变异检测生信分析", "variant-calling bioinformatics", kSm, kD | kC, kDis, 300, 4,
     "GATK|DeepVariant", "bioinformatics 生信 variant 变异 SNP"},
    {"sequencing/bioinformatics/transcriptome-analysis", "转录组生信分析", "transcriptome bioinformatics", kSm, kD, kDis, 200, 4,
     "差异表达~differential expression|富集分析~enrichment", "bioinformatics 生信 RNA-seq 差异表达"},
    {"sequencing/bioinformatics/multi-omics", "多组学整合分析", "multi-omics integration", kSt, kD | kC, kDis, 50000, 2,
     "蛋白-代谢~proteo-metabolomic|基因组-转录组~genome-transcriptome", "multi-omics 多组学 integration 整合"},

    // preclinical: studies.
    {"preclinical/safety/single-dose-toxicity", "单次给药毒性试验", "single-dose toxicity study", kSt, kP, kPre, 120000, 6,
     "大鼠~rat|小鼠~mouse|比格犬~beagle dog", "GLP toxicity 毒理 急毒 acute 单次给药"},
    {"preclinical/safety/repeat-dose-toxicity", "重复给药毒性试验", "repeat-dose toxicity study", kSt, kP, kPre, 600000, 10,
     "大鼠28天~rat 28-day|大鼠13周~rat 13-week|比格犬4周~beagle 4-week|食蟹猴26周~cynomolgus 26-week", "GLP toxicity 毒理 重复给药 rat 大鼠"},
    {"preclinical/safety/genotoxicity", "遗传毒性试验", "genotoxicity study", kSt, kP, kPre, 150000, 6,
     "Ames|染色体畸变~chromosome aberration|微核~micronucleus", "GLP genotoxicity 遗传毒性 Ames 微核"},
    {"preclinical/safety/safety-pharmacology", "安全药理试验", "safety pharmacology study", kSt, kP, kPre, 300000, 5,
     "心血管遥测~cardiovascular telemetry|hERG|中枢神经~CNS|呼吸系统~respiratory", "GLP safety-pharmacology 安全药理 hERG telemetry"},
    {"preclinical/safety/reproductive-toxicity", "生殖毒性试验", "reproductive toxicity study", kSt, kP, kPre, 800000, 3,
     "大鼠~rat|家兔~rabbit", "GLP DART 生殖毒性 reproductive 胚胎"},
    {"preclinical/safety/carcinogenicity", "致癌性试验", "carcinogenicity study", kSt, kP, kPre, 3000000, 1,
     "大鼠104周~rat 104-week|rasH2 小鼠~rasH2 mouse", "GLP carcinogenicity 致癌 长期毒性"},
    {"preclinical/safety/local-tolerance", "局部耐受性试验", "local tolerance study", kSt, kP, kPre, 60000, 3,
     "家兔~rabbit|豚鼠~guinea pig", "GLP 局部刺激 irritation 过敏 local-tolerance"},
    {"preclinical/safety/immunotoxicity", "免疫毒性试验", "immunotoxicity study", kSt, kP, kPre, 250000, 2,
     "TDAR|细胞因子释放~cytokine release", "GLP immunotoxicity 免疫毒性 cytokine"},
    {"preclinical/pharmacokinetics/in-vivo-pk", "动物药代动力学试验", "in vivo pharmacokinetics study", kSt, kD | kP, kPre, 60000, 7,
     "大鼠~rat|小鼠~mouse|比格犬~beagle|食蟹猴~cynomolgus", "PK 药代 pharmacokinetics 药动学 exposure"},
    {"preclinical/pharmacokinetics/tissue-distribution", "组织分布试验", "tissue distribution study", kSt, kP, kPre, 150000, 3,
     "放射性标记~radiolabelled|QWBA", "PK 组织分布 distribution QWBA"},
    {"preclinical/pharmacokinetics/metabolite-identification", "代谢产物鉴定", "metabolite identification", kSm, kD | kP, kPre, 3000, 3,
     "体外~in vitro|体内~in vivo", "MetID 代谢产物 metabolite 鉴定 HRMS"},
    {"preclinical/pharmacokinetics/bioanalysis", "生物样品分析", "bioanalysis", kSm, kP | kC, kPre, 400, 6,
     "LC-MS/MS|ELISA|MSD", "bioanalysis 生物分析 GLP 血药浓度 LC-MS/MS"},
    {"preclinical/adme/microsomal-stability", "肝微粒体稳定性试验", "microsomal stability assay", kSm, kD, kDis, 800, 4,
     "人~human|大鼠~rat|多种属~multi-species", "ADME 代谢稳定性 microsome 肝微粒体"},
    {"preclinical/adme/cyp-inhibition", "CYP酶抑制试验", "CYP inhibition assay", kSm, kD | kP, kDis, 1500, 3,
     "7种CYP~7-CYP panel|时间依赖~time-dependent", "ADME CYP DDI 药物相互作用 抑制"},
    {"preclinical/adme/permeability", "细胞渗透性试验", "permeability assay", kSm, kD, kDis, 1200, 3,
     "Caco-2|MDCK-MDR1|PAMPA", "ADME Caco-2 渗透性 permeability 转运体"},
    {"preclinical/adme/plasma-protein-binding", "血浆蛋白结合率测定", "plasma protein binding", kSm, kD | kP, kDis, 900, 2,
     "平衡透析~equilibrium dialysis|超滤~ultrafiltration", "ADME PPB 蛋白结合 plasma"},
    {"preclinical/pharmacology/oncology-efficacy", "肿瘤药效评价", "oncology efficacy study", kSt, kD | kP, kPre, 150000, 8,
     "CDX 皮下移植瘤~CDX subcutaneous|PDX|同源移植~syngeneic|原位~orthotopic", "efficacy 药效 tumor 肿瘤 xenograft PDX"},
    {"preclinical/pharmacology/cns-efficacy", "神经精神药效评价", "CNS efficacy study", kSt, kD | kP, kPre, 200000, 3,
     "阿尔茨海默病~Alzheimer's|帕金森病~Parkinson's|抑郁~depression|疼痛~pain", "efficacy 药效 CNS 神经 behaviour 行为学"},
    {"preclinical/pharmacology/metabolic-efficacy", "代谢疾病药效评价", "metabolic disease efficacy study", kSt, kD | kP, kPre, 180000, 4,
     "db/db 小鼠~db/db mouse|DIO 肥胖~DIO obesity|NASH", "efficacy 药效 diabetes 糖尿病 NASH obesity"},
    {"preclinical/pharmacology/immunology-efficacy", "免疫炎症药效评价", "immunology efficacy study", kSt, kD | kP, kPre, 160000, 3,
     "关节炎~arthritis|银屑病~psoriasis|IBD", "efficacy 药效 inflammation 炎症 autoimmune 自身免疫"},

    // animal facilities.
    {"animal/rodent/breeding", "啮齿类动物繁育", "rodent breeding", kBt, kD | kP, kDis, 8000, 6,
     "SPF 大鼠~SPF rat|SPF 小鼠~SPF mouse|C57BL/6J|BALB/c", "breeding 繁育 SPF rodent 小鼠 大鼠"},
    {"animal/rodent/housing", "啮齿类动物饲养代养", "rodent housing", kDy, kD | kP, kDis, 300, 8,
     "SPF 级~SPF|IVC 笼位~IVC cage|屏障环境~barrier facility", "housing 代养 饲养 SPF IVC"},
    {"animal/rodent/transgenic-models", "转基因小鼠模型构建", "transgenic mouse model generation", kSt, kD, kDis, 60000, 4,
     "人源化~humanized|条件性~conditional|报告基因~reporter", "transgenic 转基因 mouse model 模型"},
    {"animal/rodent/gene-knockout", "基因敲除小鼠构建", "knockout mouse generation", kSt, kD, kDis, 50000, 5,
     "CRISPR 全身~CRISPR whole-body|条件性~conditional|大片段~large-fragment", "knockout 敲除 CRISPR KO cKO"},
    {"animal/rodent/disease-models", "疾病动物模型", "rodent disease models", kSt, kD | kP, kDis, 80000, 5,
     "心梗~myocardial infarction|脑缺血~stroke MCAO|肝纤维化~liver fibrosis|肺纤维化~lung fibrosis", "disease-model 疾病模型 造模 surgery 手术"},
    {"animal/non-human-primate/housing", "非人灵长类饲养", "non-human primate housing", kDy, kP, kPre, 600, 2,
     "食蟹猴~cynomolgus|恒河猴~rhesus", "NHP 非人灵长类 猴 monkey housing"},
    {"animal/non-human-primate/pharmacology", "非人灵长类药理研究", "non-human primate pharmacology", kSt, kP, kPre, 900000, 2,
     "食蟹猴~cynomolgus|恒河猴~rhesus", "NHP 猴 pharmacology 药理 monkey"},
    {"animal/large-animal/beagle", "比格犬实验服务", "beagle dog studies", kDy, kP, kPre, 1200, 2,
     "单笼饲养~single-housed|群养~group-housed", "beagle 比格犬 dog 大动物"},
    {"animal/large-animal/minipig", "小型猪实验服务", "minipig studies", kDy, kP, kPre, 1500, 2,
     "巴马~Bama|五指山~Wuzhishan", "minipig 小型猪 大动物 pig"},
    {"animal/zebrafish/screening", "斑马鱼药物筛选", "zebrafish drug screening", kSm, kD, kDis, 500, 3,
     "毒性~toxicity|心脏毒性~cardiotoxicity|肿瘤~oncology", "zebrafish 斑马鱼 screening 筛选"},
    {"animal/zebrafish/models", "斑马鱼模型构建", "zebrafish model generation", kSt, kD, kDis, 30000, 2,
     "CRISPR 敲除~CRISPR knockout|转基因~transgenic", "zebrafish 斑马鱼 model 模型"},
    {"animal/imaging/micro-ct", "小动物Micro-CT成像", "small-animal micro-CT", kHr, kD | kP, kDis, 600, 3,
     "Bruker SkyScan 1276|Quantum GX2", "micro-CT 小动物成像 imaging 骨"},
    {"animal/imaging/small-animal-mri", "小动物磁共振成像", "small-animal MRI", kHr, kD | kP, kDis, 1500, 2,
     "Bruker BioSpec 9.4T|Bruker BioSpec 7T", "MRI 磁共振 小动物成像 imaging"},
    {"animal/imaging/optical-imaging", "小动物活体光学成像", "in vivo optical imaging", kHr, kD | kP, kDis, 400, 4,
     "IVIS Spectrum|IVIS Lumina III", "IVIS 活体成像 bioluminescence 生物发光"},
    {"animal/imaging/pet-ct", "小动物PET/CT成像", "small-animal PET/CT", kHr, kD | kP, kPre, 3000, 2,
     "Mediso nanoScan|Siemens Inveon", "PET-CT PET 小动物成像 radiotracer 示踪剂"},

    // cell biology.
    {"cell/culture/primary-cell-isolation", "原代细胞分离培养", "primary cell isolation", kSm, kD, kDis, 2500, 4,
     "肝细胞~hepatocyte|神经元~neuron|心肌细胞~cardiomyocyte|T 细胞~T cell", "primary-cell 原代细胞 isolation 分离 培养"},
    {"cell/culture/cell-line-authentication", "细胞系STR鉴定", "cell line STR authentication", kSm, kD | kP | kM, kDis, 300, 5,
     "人源~human|鼠源~murine|跨种属~cross-species", "STR 细胞鉴定 authentication cell-line"},
    {"cell/culture/mycoplasma-testing", "支原体检测", "mycoplasma testing", kSm, kD | kP | kM, kDis, 200, 5,
     "PCR 法~PCR|培养法~culture method", "mycoplasma 支原体 检测 QC"},
    {"cell/engineering/crispr-knockout", "CRISPR细胞敲除", "CRISPR cell knockout", kSt, kD, kDis, 25000, 5,
     "单克隆~single-clone|稳定池~stable pool|点突变 knock-in~knock-in", "CRISPR 敲除 knockout 细胞株 gene-editing 基因编辑"},
    {"cell/engineering/stable-cell-line", "稳转细胞株构建", "stable cell line generation", kSt, kD | kM, kDis, 30000, 4,
     "过表达~overexpression|报告基因~reporter|CHO", "stable-cell-line 稳转 细胞株 overexpression"},
    {"cell/engineering/virus-packaging", "载体包装", "vector packaging", kBt, kD, kDis, 5000, 5,
     "慢病毒~lentivirus|AAV|腺病毒~adenovirus", "lentivirus 慢病毒 AAV packaging 包装 病毒"},
    {"cell/stem-cell/ipsc", "iPSC建系与定向分化", "iPSC derivation and differentiation", kSt, kD, kDis, 60000, 3,
     "人~human|食蟹猴~cynomolgus|疾病特异性~disease-specific", "iPSC 干细胞 stem-cell 重编程 分化"},
    {"cell/stem-cell/organoid", "类器官培养", "organoid culture", kSt, kD | kP, kDis, 40000, 5,
     "肠~intestinal|肿瘤~tumour|肝~liver|肺~lung", "organoid 类器官 3D culture 药敏"},
    {"cell/therapy/car-t-process", "CAR-T工艺开发", "CAR-T process development", kSt, kP | kC | kM, kPro, 500000, 2,
     "自体~autologous|通用型~allogeneic", "CAR-T 细胞治疗 cell-therapy 工艺 GMP"},
    {"cell/therapy/cell-bank", "细胞库建立与检定", "cell bank establishment", kBt, kP | kM, kPro, 80000, 2,
     "MCB/WCB|种子~seed", "cell-bank 细胞库 MCB WCB 检定"},

    // testing laboratories.
    {"testing/drug-quality/impurity-profiling", "杂质研究", "impurity profiling", kSm, kP | kR | kM, kReg, 2500, 5,
     "基因毒性~genotoxic|亚硝胺~nitrosamine|有关物质~related-substance", "impurity 杂质 亚硝胺 nitrosamine 有关物质"},
    {"testing/drug-quality/dissolution", "溶出度测定", "dissolution testing", kSm, kP | kR | kM, kReg, 800, 4,
     "一致性评价~generic consistency|多介质~multi-media", "dissolution 溶出 一致性评价 BE"},
    {"testing/drug-quality/stability", "药物稳定性考察", "drug stability study", kSt, kP | kR | kM, kReg, 60000, 5,
     "长期~long-term|加速~accelerated|影响因素~stress", "stability 稳定性 ICH 加速 长期"},
    {"testing/drug-quality/residual-solvents", "残留溶剂检测", "residual solvent testing", kSm, kR | kM, kPro, 600, 3,
     "GC 顶空~GC headspace", "residual-solvent 残留溶剂 GC ICH-Q3C"},
    {"testing/drug-quality/elemental-impurities", "元素杂质检测", "elemental impurity testing", kSm, kR | kM, kPro, 900, 3,
     "ICP-MS|ICP-OES", "elemental 元素杂质 ICP-MS ICH-Q3D"},
    {"testing/drug-quality/release-testing", "药品放行检验", "batch release testing", kSm, kR | kM, kPro, 3000, 4,
     "原料药~API|制剂~drug product|生物制品~biologics", "release 放行 检验 QC COA"},
    {"testing/medical-device/biocompatibility", "医疗器械生物相容性评价", "medical device biocompatibility", kSt, kP | kR, kReg, 80000, 5,
     "ISO 10993 全套~ISO 10993 full|细胞毒性~cytotoxicity|致敏~sensitisation", "biocompatibility 生物相容性 ISO10993 器械"},
    {"testing/medical-device/sterility", "无菌检查", "sterility testing", kSm, kR | kM, kPro, 800, 4,
     "薄膜过滤~membrane filtration|直接接种~direct inoculation", "sterility 无菌 器械 QC"},
    {"testing/medical-device/electrical-safety", "电气安全与EMC检测", "electrical safety and EMC testing", kSt, kR, kReg, 60000, 3,
     "GB 9706.1|YY 9706.102", "EMC 电气安全 器械 注册检验"},
    {"testing/medical-device/packaging-validation", "包装验证", "packaging validation", kSt, kR | kM, kReg, 40000, 2,
     "加速老化~accelerated ageing|运输模拟~transport simulation", "packaging 包装 验证 老化"},
    {"testing/microbiology/endotoxin", "细菌内毒素检测", "endotoxin testing", kSm, kR | kM, kPro, 300, 4,
     "凝胶法~LAL gel-clot|动态显色法~kinetic chromogenic", "endotoxin 内毒素 LAL 鲎试剂"},
    {"testing/microbiology/bioburden", "微生物限度检查", "microbial limits testing", kSm, kR | kM, kPro, 400, 3,
     "非无菌产品~non-sterile product|控制菌~specified-organism", "bioburden 微生物限度 QC"},
    {"testing/microbiology/antimicrobial", "抗菌活性测定", "antimicrobial susceptibility testing", kSm, kD | kC, kDis, 500, 2,
     "MIC|时间杀菌~time-kill", "MIC 抗菌 antimicrobial 药敏"},
    {"testing/environmental/cleanroom", "洁净室检测", "cleanroom certification", kDy, kM, kPro, 6000, 2,
     "A/B 级~grade A/B|C/D 级~grade C/D", "cleanroom 洁净室 GMP 环境监测"},

    // manufacturing (CDMO, pilot plants).
    {"manufacturing/biologics/cell-line-development", "抗体细胞株开发", "cell line development", kSt, kD | kP | kM, kPre, 800000, 3,
     "CHO-K1|CHO-S|HEK293", "CLD 细胞株开发 CHO antibody 抗体"},
    {"manufacturing/biologics/upstream", "上游细胞培养工艺", "upstream process development", kBt, kP | kC | kM, kPro, 150000, 3,
     "200L 一次性~200 L single-use|500L|2000L", "upstream 上游 bioreactor 生物反应器 GMP"},
    {"manufacturing/biologics/downstream", "下游纯化工艺", "downstream purification", kBt, kP | kC | kM, kPro, 120000, 3,
     "Protein A|层析~chromatography|病毒清除~viral clearance", "downstream 下游 纯化 purification"},
    {"manufacturing/biologics/fill-finish", "无菌灌装", "aseptic fill-finish", kBt, kC | kM, kPro, 200000, 2,
     "西林瓶~vials|预灌封~prefilled syringes|冻干~lyophilised", "fill-finish 灌装 无菌 GMP 冻干"},
    {"manufacturing/small-molecule/api-synthesis", "原料药工艺与放大", "API process and scale-up", kBt, kP | kC | kM, kPro, 100000, 4,
     "公斤级~kilogram-scale|百公斤级~100 kg-scale", "API 原料药 scale-up 放大 GMP"},
    {"manufacturing/small-molecule/formulation", "制剂处方工艺开发", "formulation development", kSt, kP | kC | kM, kPre, 300000, 4,
     "口服固体~oral solid|注射剂~injectable|吸入~inhalation", "formulation 制剂 处方 工艺"},
    {"manufacturing/small-molecule/clinical-supply", "临床试验用药品生产", "clinical trial material manufacturing", kBt, kC | kM, kCli, 250000, 2,
     "片剂~tablets|胶囊~capsules", "CTM 临床样品 GMP 制剂"},
    {"manufacturing/nucleic-acid/mrna", "mRNA合成与LNP制剂", "mRNA synthesis and LNP formulation", kBt, kD | kP | kM, kPre, 60000, 3,
     "saRNA|环状 RNA~circular RNA|修饰核苷~modified-nucleoside", "mRNA LNP 核酸 nucleic-acid 疫苗"},
    {"manufacturing/nucleic-acid/plasmid", "质粒大量制备", "plasmid production", kBt, kD | kP | kM, kDis, 15000, 3,
     "GMP 级~GMP grade|研究级~research grade", "plasmid 质粒 制备 大提"},
    {"manufacturing/nucleic-acid/aav", "腺相关病毒规模化生产", "adeno-associated virus production", kBt, kP | kC | kM, kPre, 200000, 2,
     "AAV8|AAV9|AAV2", "AAV 基因治疗 gene-therapy 病毒 生产"},
    {"manufacturing/peptide/synthesis", "多肽合成", "peptide synthesis", kBt, kD | kP | kM, kDis, 8000, 4,
     "常规~standard|修饰~modified|GLP-1 类似物~GLP-1 analogue", "peptide 多肽 合成 SPPS"},

    // chemistry.
    {"chemistry/synthesis/custom-synthesis", "化合物定制合成", "custom synthesis", kBt, kD, kDis, 15000, 6,
     "毫克级~milligram|克级~gram-scale|中间体~intermediates", "synthesis 合成 定制 化合物 chemistry"},
    {"chemistry/synthesis/radiolabeling", "同位素标记合成", "isotope labelling", kBt, kD | kP, kPre, 80000, 2,
     "14C|3H|氘代~deuterium", "isotope 同位素 标记 14C"},
    {"chemistry/synthesis/compound-library", "化合物库筛选", "compound library screening", kSm, kD, kDis, 30, 3,
     "DEL|片段~fragment-based|天然产物~natural-product", "library 化合物库 screening 筛选 HTS"},
    {"chemistry/medicinal/hit-to-lead", "药物化学(苗头到先导)", "hit-to-lead chemistry", kDy, kD, kDis, 3000, 3,
     "FTE|小分子~small molecule", "medicinal-chemistry 药物化学 SAR 先导"},
    {"chemistry/computational/docking", "分子对接与虚拟筛选", "docking and virtual screening", kDy, kD, kDis, 2500, 4,
     "Glide|AutoDock Vina|AI 辅助~AI-assisted", "CADD 虚拟筛选 docking 分子对接 AI"},
    {"chemistry/computational/md-simulation", "分子动力学模拟", "molecular dynamics simulation", kDy, kD, kDis, 2000, 2,
     "GROMACS|Amber|FEP", "MD 分子动力学 simulation FEP"},

    // clinical.
    {"clinical/trials/phase-i", "I期临床试验", "phase I clinical trial", kSt, kC, kCli, 3000000, 3,
     "健康受试者~healthy volunteers|肿瘤患者~oncology patients", "phase-I I期 临床试验 FIH GCP"},
    {"clinical/trials/bioequivalence", "生物等效性试验", "bioequivalence study", kSt, kC | kR, kCli, 1500000, 4,
     "空腹~fasting|餐后~fed|一致性评价~generic consistency", "BE 生物等效性 一致性评价 GCP"},
    {"clinical/trials/site-management", "临床试验现场管理(SMO)", "site management (SMO)", kDy, kC, kCli, 1500, 3,
     "CRC|SMO", "SMO CRC 临床试验 site"},
    {"clinical/trials/monitoring", "临床监查(CRA)", "clinical monitoring", kDy, kC, kCli, 2500, 3,
     "CRA|稽查~audit", "CRA 监查 monitoring 临床"},
    {"clinical/central-lab/biomarker", "生物标志物检测", "biomarker assay", kSm, kD | kC, kCli, 800, 4,
     "ELISA|MSD|Simoa|流式~flow", "biomarker 生物标志物 检测 central-lab"},
    {"clinical/central-lab/pk-samples", "临床PK样本分析", "clinical PK sample analysis", kSm, kC, kCli, 500, 3,
     "LC-MS/MS|ELISA", "PK 临床 bioanalysis 样本检测"},
    {"clinical/data/biostatistics", "生物统计分析", "biostatistics", kSt, kC | kR, kCli, 200000, 3,
     "SAS|R", "biostatistics 统计 SAS CDISC"},
    {"clinical/data/data-management", "临床数据管理", "clinical data management", kSt, kC, kCli, 300000, 2,
     "EDC|CDISC SDTM", "data-management 数据管理 EDC CDISC"},

    // registration.
    {"registration/regulatory/ind", "IND申报", "IND filing", kSt, kP | kR, kReg, 200000, 4,
     "NMPA|FDA|中美双报~NMPA and FDA", "IND 申报 注册 regulatory NMPA"},
    {"registration/regulatory/nda", "NDA/BLA上市申报", "NDA/BLA filing", kSt, kR, kReg, 600000, 2,
     "NMPA|FDA|EMA", "NDA BLA 上市申请 注册 regulatory"},
    {"registration/regulatory/device-registration", "医疗器械注册", "medical device registration", kSt, kR, kReg, 150000, 4,
     "二类~class II|三类~class III|创新~innovative", "器械注册 注册证 NMPA device"},
    {"registration/regulatory/gmp-audit", "GMP审计与合规咨询", "GMP audit and compliance", kSt, kR | kM, kPro, 80000, 3,
     "模拟检查~mock-inspection|供应商~supplier|数据可靠性~data-integrity", "GMP 审计 audit 合规 compliance"},
    {"registration/ip/patent-search", "专利检索与FTO分析", "patent search and FTO", kSt, kD | kR, kDis, 20000, 4,
     "药物~drug|医疗器械~device|生物技术~biotech", "patent 专利 FTO 检索 IP"},
    {"registration/ip/patent-filing", "专利申请代理", "patent filing", kSt, kD | kR, kDis, 15000, 3,
     "发明~invention|PCT 国际~PCT international|实用新型~utility model", "patent 专利 申请 PCT IP"},

    // transformation: incubation, technology transfer, consulting.
    {"transformation/incubation/lab-space", "孵化器实验室空间", "incubator lab space", kDy, kD | kP, kDis, 800, 4,
     "P2 级~BSL-2|共享~shared|独立~private", "incubator 孵化器 实验室 lab-space 租赁"},
    {"transformation/incubation/pilot-plant", "中试平台", "pilot plant", kDy, kP | kM, kPro, 8000, 3,
     "生物药~biologics|化药~small-molecule|制剂~formulation", "pilot 中试 放大 scale-up 转化"},
    {"transformation/tech-transfer/valuation", "技术评估作价", "technology valuation", kSt, kD | kP | kC, kDis, 50000, 3,
     "专利~patent|新药项目~drug-project|医疗器械~device", "valuation 评估 技术转移 tech-transfer"},
    {"transformation/tech-transfer/licensing", "技术许可与转让经纪", "licensing brokerage", kSt, kD | kP | kC | kR, kPre, 100000, 3,
     "创新药~innovative-drug|医疗器械~medical-device|诊断试剂~diagnostics", "licensing 技术转移 转让 许可 brokerage"},
    {"transformation/consulting/market-analysis", "市场与竞争格局分析", "market and competitive analysis", kSt, kD | kC | kR, kDis, 40000, 2,
     "肿瘤领域~oncology|自身免疫领域~autoimmune|医疗器械~medical device", "market 市场 consulting 咨询 竞争格局"},
    {"transformation/consulting/financing", "融资与项目路演服务", "financing advisory", kSt, kD | kP | kC, kDis, 60000, 2,
     "天使轮~angel-round|A 轮~series-A|B 轮~series-B", "financing 融资 路演 投资 investment"},

    // data: literature, computing, biobanks.
    {"data/literature/database-access", "专业数据库检索", "database search", kHr, kD | kP | kC | kR, kDis, 300, 3,
     "Cortellis|Pharmaprojects|SciFinder|Reaxys", "database 数据库 检索 literature 文献"},
    {"data/literature/systematic-review", "文献系统综述", "systematic literature review", kSt, kD | kC | kR, kCli, 30000, 2,
     "Meta 分析~meta-analysis|真实世界证据~real-world evidence", "literature 文献 综述 meta-analysis"},
    {"data/computing/hpc", "高性能计算机时", "HPC cluster time", kHr, kD | kP | kC, kDis, 30, 4,
     "Intel Xeon|AMD EPYC|鲲鹏~Kunpeng", "HPC 高性能计算 计算 cluster"},
    {"data/computing/gpu", "GPU算力", "GPU compute time", kHr, kD, kDis, 60, 4,
     "A100|H800|L40S", "GPU 算力 AI deep-learning 深度学习"},
    {"data/biobank/sample-storage", "生物样本存储", "biospecimen storage", kSm, kD | kC, kCli, 50, 3,
     "-80℃ 冻存~-80 °C|液氮~liquid nitrogen", "biobank 样本库 storage 存储 冻存"},
    {"data/biobank/tissue-samples", "生物样本资源供应", "biospecimen supply", kSm, kD | kC, kDis, 1200, 3,
     "肿瘤组织~tumour tissue|血液~blood|FFPE 切片~FFPE section", "biobank 样本库 tissue 组织 FFPE"},
};

// Cities: province code, city slug, Chinese name, centre, weight (share of
// platforms and requests), districts, notable institutions.
struct CityDef {
  const char* province;
  const char* slug;
  const char* zh;
  double lat;
  double lon;
  double weight;
  const char* districts;
  const char* institutions;
};

constexpr CityDef kCities[] = {
    {"BJ", "beijing", "北京", 39.9042, 116.4074, 12, "haidian|changping|daxing|chaoyang",
     "北京大学|清华大学|中国医学科学院|首都医科大学|中国科学院动物研究所|北京协和医院"},
    {"SH", "shanghai", "上海", 31.2304, 121.4737, 12, "pudong|xuhui|minhang|jiading",
     "复旦大学|上海交通大学医学院|中国科学院上海药物研究所|上海中医药大学|瑞金医院"},
    {"TJ", "tianjin", "天津", 39.0842, 117.2010, 3, "binhai|nankai", "天津医科大学|南开大学|天津药物研究院"},
    {"CQ", "chongqing", "重庆", 29.5630, 106.5516, 3, "yubei|shapingba", "重庆医科大学|陆军军医大学|西南大学"},
    {"GD", "guangzhou", "广州", 23.1291, 113.2644, 8, "huangpu|tianhe|panyu|yuexiu",
     "中山大学|南方医科大学|广州医科大学|中国科学院广州生物医药与健康研究院|广东省实验动物监测所"},
    {"GD", "shenzhen", "深圳", 22.5431, 114.0579, 7, "nanshan|pingshan|futian|guangming",
     "深圳大学|南方科技大学|中国科学院深圳先进技术研究院|深圳湾实验室"},
    {"GD", "zhuhai", "珠海", 22.2710, 113.5767, 1, "hengqin|xiangzhou", "珠海市人民医院"},
    {"JS", "suzhou", "苏州", 31.2990, 120.5853, 7, "sip|gusu|wuzhong", "苏州大学|西交利物浦大学|苏州系统医学研究所"},
    {"JS", "nanjing", "南京", 32.0603, 118.7969, 5, "jiangbei|gulou|qixia|jiangning",
     "南京大学|中国药科大学|南京医科大学|江苏省人民医院"},
    {"JS", "taizhou", "泰州", 32.4555, 119.9229, 2, "yaocheng", "中国医药城"},
    {"ZJ", "hangzhou", "杭州", 30.2741, 120.1551, 6, "binjiang|xihu|qiantang|yuhang",
     "浙江大学|浙江中医药大学|西湖大学|浙江省医学科学院"},
    {"ZJ", "ningbo", "宁波", 29.8683, 121.5440, 1, "yinzhou|zhenhai", "宁波大学"},
    {"SC", "chengdu", "成都", 30.5728, 104.0668, 7, "gaoxin|wuhou|shuangliu|wenjiang|tianfu",
     "四川大学华西医院|四川大学|电子科技大学|成都中医药大学|中国科学院成都生物研究所|四川省医学科学院"},
    {"HB", "wuhan", "武汉", 30.5928, 114.3055, 5, "donghu|hongshan|wuchang|jiangxia",
     "华中科技大学同济医学院|武汉大学|湖北省疾病预防控制中心|武汉生物制品研究所"},
    {"HN", "changsha", "长沙", 28.2282, 112.9388, 3, "yuelu|kaifu|liuyang", "中南大学湘雅医院|湖南师范大学|湖南中医药大学"},
    {"SD", "jinan", "济南", 36.6512, 117.1201, 3, "lixia|gaoxin", "山东大学|山东第一医科大学|山东大学齐鲁医院"},
    {"SD", "qingdao", "青岛", 36.0671, 120.3826, 2, "laoshan|huangdao", "中国海洋大学|青岛大学"},
    {"FJ", "xiamen", "厦门", 24.4798, 118.0894, 2, "haicang|siming", "厦门大学"},
    {"FJ", "fuzhou", "福州", 26.0745, 119.2965, 1, "gulou|minhou", "福建医科大学"},
    {"AH", "hefei", "合肥", 31.8206, 117.2272, 2, "shushan|gaoxin", "中国科学技术大学|安徽医科大学"},
    {"SN", "xian", "西安", 34.3416, 108.9398, 3, "yanta|gaoxin", "西安交通大学|空军军医大学|西北大学"},
    {"LN", "shenyang", "沈阳", 41.8057, 123.4315, 2, "hunnan|heping", "中国医科大学|沈阳药科大学"},
    {"LN", "dalian", "大连", 38.9140, 121.6147, 1, "ganjingzi|shahekou", "大连医科大学|中国科学院大连化学物理研究所"},
    {"HL", "harbin", "哈尔滨", 45.8038, 126.5350, 1, "nangang", "哈尔滨医科大学"},
    {"JL", "changchun", "长春", 43.8171, 125.3235, 2, "chaoyang|gaoxin", "吉林大学|长春生物制品研究所"},
    {"YN", "kunming", "昆明", 25.0389, 102.7183, 2, "wuhua|chenggong",
     "昆明医科大学|中国科学院昆明动物研究所|中国医学科学院医学生物学研究所"},
    {"GX", "nanning", "南宁", 22.8170, 108.3665, 1, "qingxiu", "广西医科大学"},
    {"HE", "shijiazhuang", "石家庄", 38.0423, 114.5149, 1, "yuhua|gaoxin", "河北医科大学"},
    {"HA", "zhengzhou", "郑州", 34.7466, 113.6254, 2, "jinshui|gaoxin", "郑州大学|河南省医学科学院"},
    {"JX", "nanchang", "南昌", 28.6829, 115.8579, 1, "qingshanhu|honggutan", "南昌大学"},
    {"GZ", "guiyang", "贵阳", 26.6470, 106.6302, 1, "guanshanhu", "贵州医科大学"},
    {"SX", "taiyuan", "太原", 37.8706, 112.5489, 1, "xiaodian", "山西医科大学"},
    {"HI", "haikou", "海口", 20.0440, 110.1999, 1, "longhua|meilan", "海南医学院"},
    {"GS", "lanzhou", "兰州", 36.0611, 103.8343, 1, "chengguan", "兰州大学|兰州生物制品研究所"},
    {"XJ", "urumqi", "乌鲁木齐", 43.8256, 87.6168, 1, "shuimogou", "新疆医科大学"},
    {"NM", "hohhot", "呼和浩特", 40.8424, 111.7490, 1, "saihan", "内蒙古医科大学"},
};
constexpr std::size_t kCityCount = sizeof(kCities) / sizeof(kCities[0]);
// Platform locations lie within this many degrees of their city centre.
constexpr double kLatJitter = 0.12;
constexpr double kLonJitter = 0.15;

// Places far from every city above (hundreds of km beyond `max_km`) and
// provinces without platforms: for infeasible requests.
struct RemotePlace {
  const char* zh;
  const char* en;
  double lat;
  double lon;
  double max_km;  // the nearest platform is at least twice as far
};
constexpr RemotePlace kRemotePlaces[] = {
    {"拉萨", "Lhasa", 29.6520, 91.1721, 500},      // nearest city: Chengdu/Kunming, ~1250 km
    {"喀什", "Kashgar", 39.4704, 75.9898, 450},    // Urumqi, ~1000 km
    {"海拉尔", "Hailar", 49.2116, 119.7366, 300},  // Harbin, ~640 km
    {"格尔木", "Golmud", 36.4167, 94.9033, 350},   // Lanzhou, ~800 km
};
constexpr std::string_view kEmptyRegions[] = {"CN/XZ", "CN/QH", "CN/NX", "CN/XZ/lhasa"};

// Company names: city + two characters + a field-specific ending.
constexpr std::string_view kBrandChars[] = {"康", "华", "泰", "瑞", "博", "诺", "源", "科", "安", "和",
                                            "美", "迪", "睿", "恒", "成", "天", "健", "锐", "百", "艾"};
// Generic institutions: city + one of these.
constexpr std::string_view kGenericInstitutions[] = {
    "医科大学", "市第一人民医院", "生物医药产业园", "高新区", "药物研究院", "市中心医院", "生物医药研究院", "中医药大学",
};

// Per-unit words and description parts.
struct UnitText {
  std::string_view zh_word;  // "小时"
  std::string_view en_one;
  std::string_view en_many;
  const char* features_zh;  // '|'-separated
  const char* features_en;
  std::string_view tat_zh_before, tat_zh_after, tat_en_before, tat_en_after;
  int tat_lo, tat_hi;  // turnaround range; >= 2 so the English plural reads right
};
constexpr UnitText kUnitTexts[engine::kUnitCount] = {
    {"小时", "hour", "hours",
     "配备专职工程师，可自主上机或委托测试|提供上机培训与数据初步处理|支持夜间及周末预约|可提供方法开发支持",
     "Operated by dedicated staff, self-service after training|Includes basic data processing|"
     "Evening and weekend bookings possible|Method development support available",
     "可提前", "天预约", "Book up to ", " days ahead.", 2, 14},
    {"个样本", "sample", "samples",
     "提供样本前处理与数据分析|检测报告可用于注册申报|支持批量送样，样本量大可议价|全流程质控，数据可追溯",
     "Sample preparation and data analysis included|Reports accepted for regulatory submissions|"
     "Volume discounts for large batches|Full QC with traceable data",
     "样本接收后", "个工作日内出具报告", "Results within ", " working days.", 5, 30},
    {"项", "study", "studies",
     "含方案设计、试验实施与总结报告|专题负责人全程跟进，定期汇报进度|可与药代、药效研究联合开展|质量保证部门全程监督",
     "Includes protocol design, conduct and final report|A dedicated study director keeps you updated|"
     "Can be combined with PK and efficacy work|Independent QA oversight throughout",
     "周期约", "周", "Typical duration ", " weeks.", 4, 26},
    {"天", "day", "days",
     "按天计费，含日常管理与健康监测|专人值守，环境监控记录完整|可长期租用，价格可议",
     "Billed per day, including routine care and monitoring|Staffed, with full environmental monitoring records|"
     "Long-term bookings negotiable",
     "最短租期", "天", "Minimum booking ", " days.", 2, 7},
    {"批", "batch", "batches",
     "每批次提供COA及批记录|支持工艺转移与放大生产|质量体系完善，欢迎客户审计",
     "COA and batch record with every batch|Supports tech transfer and scale-up|Mature quality system, client audits welcome",
     "交付周期约", "周", "Lead time about ", " weeks.", 2, 12},
};

// ---------------------------------------------------------------------------
// The model: the tables above, parsed once.

struct Leaf {
  TaxonomyLeaf info;
  std::size_t field = 0;
  std::string_view parent;  // "preclinical/safety"
  std::vector<std::pair<std::string_view, std::string_view>> variants;  // (zh, en)
  std::vector<std::string_view> keywords;
  bool round_the_clock = false;  // computing: 24-hour slots
};

struct Field {
  std::vector<std::string_view> centers, companies, required;
  std::vector<std::pair<std::size_t, double>> quals;  // (kQualNames index, probability)
  std::vector<std::size_t> leaves;
  WeightedPicker leaf_picker;  // index into `leaves`
};

struct City {
  std::vector<std::string> regions;  // "CN/SC/chengdu/gaoxin"
  std::string province_region;       // "CN/SC"
  std::string city_region;           // "CN/SC/chengdu"
  std::string en;                    // "Chengdu"
  std::vector<std::string_view> institutions;
};

struct UnitWords {
  std::vector<std::string_view> features_zh, features_en;
};

struct Model {
  std::vector<Leaf> leaves;
  std::vector<TaxonomyLeaf> taxonomy;
  std::vector<Field> fields;
  std::vector<City> cities;
  std::array<UnitWords, engine::kUnitCount> units;
  WeightedPicker field_picker;
  WeightedPicker city_picker;
};

Model BuildModel() {
  Model m;
  for (const FieldDef& fd : kFields) {
    Field f;
    f.centers = Split(fd.centers, '|');
    f.companies = Split(fd.companies, '|');
    f.required = Split(fd.required, '|');
    for (const std::string_view item : Split(fd.quals, '|')) {
      const std::size_t colon = item.find(':');
      const std::string_view name = item.substr(0, colon);
      int percent = 0;
      std::from_chars(item.data() + colon + 1, item.data() + item.size(), percent);
      const auto it = std::find(std::begin(kQualNames), std::end(kQualNames), name);
      f.quals.emplace_back(static_cast<std::size_t>(it - std::begin(kQualNames)), percent / 100.0);
    }
    m.fields.push_back(std::move(f));
    m.field_picker.Add(fd.weight);
  }
  for (const LeafDef& ld : kLeaves) {
    Leaf leaf;
    leaf.info = TaxonomyLeaf{ld.path, ld.zh, ld.en, ld.unit, static_cast<StageSet>(ld.stages), ld.primary, ld.price,
                             ld.weight};
    const std::string_view path = ld.path;
    const std::string_view first = path.substr(0, path.find('/'));
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      if (first == kFields[i].name) leaf.field = i;
    }
    leaf.parent = path.substr(0, path.rfind('/'));
    for (const std::string_view v : Split(ld.variants, '|')) {
      const std::size_t tilde = v.find('~');
      leaf.variants.emplace_back(v.substr(0, tilde), tilde == std::string_view::npos ? v : v.substr(tilde + 1));
    }
    leaf.keywords = Split(ld.keywords, ' ');
    leaf.round_the_clock = path.starts_with("data/computing/");
    m.fields[leaf.field].leaves.push_back(m.leaves.size());
    m.fields[leaf.field].leaf_picker.Add(ld.weight);
    m.taxonomy.push_back(leaf.info);
    m.leaves.push_back(std::move(leaf));
  }
  for (const CityDef& cd : kCities) {
    City c;
    c.province_region = std::string("CN/") + cd.province;
    c.city_region = c.province_region + "/" + cd.slug;
    for (const std::string_view d : Split(cd.districts, '|')) c.regions.push_back(c.city_region + "/" + std::string(d));
    c.en = cd.slug;
    CapitalizeFirst(&c.en, 0);
    c.institutions = Split(cd.institutions, '|');
    m.cities.push_back(std::move(c));
    m.city_picker.Add(cd.weight);
  }
  for (int u = 0; u < engine::kUnitCount; ++u) {
    m.units[u].features_zh = Split(kUnitTexts[u].features_zh, '|');
    m.units[u].features_en = Split(kUnitTexts[u].features_en, '|');
  }
  return m;
}

const Model& GetModel() {
  static const Model model = BuildModel();
  return model;
}

template <typename T>
const T& PickOne(const std::vector<T>& items, Rng& rng) {
  return items[rng.Below(items.size())];
}

// ---------------------------------------------------------------------------
// Platforms.

// What capability generation needs to know about a platform.
struct Profile {
  std::array<std::uint8_t, 3> fields{};  // fields[0] is the main field
  std::uint8_t field_count = 1;
  std::uint16_t quals = 0;  // bit i: holds kQualNames[i]
  double price_factor = 1;  // big cities charge more
};

void MakePlatform(const Model& m, std::uint64_t seed, std::size_t index, int width, engine::Platform* p,
                  Profile* profile, double* size_weight) {
  Rng rng(seed, kStreamPlatform, index);
  const std::size_t ci = m.city_picker.Pick(rng);
  const CityDef& cd = kCities[ci];
  const City& city = m.cities[ci];
  AppendId("p-", index + 1, width, &p->id);
  p->region = PickOne(city.regions, rng);
  p->location = {Round5(cd.lat + rng.Range(-kLatJitter, kLatJitter)), Round5(cd.lon + rng.Range(-kLonJitter, kLonJitter))};

  const std::size_t main_field = m.field_picker.Pick(rng);
  profile->fields[0] = static_cast<std::uint8_t>(main_field);
  const double u = rng.Uniform();
  const std::size_t wanted = u < 0.5 ? 1 : u < 0.85 ? 2 : 3;
  std::size_t count = 1;
  for (int tries = 0; tries < 12 && count < wanted; ++tries) {
    const std::size_t f = m.field_picker.Pick(rng);
    if (std::find(profile->fields.begin(), profile->fields.begin() + count, f) == profile->fields.begin() + count) {
      profile->fields[count++] = static_cast<std::uint8_t>(f);
    }
  }
  profile->field_count = static_cast<std::uint8_t>(count);
  const Field& field = m.fields[main_field];

  const double name_kind = rng.Uniform();
  std::string& name = p->name;
  if (name_kind < 0.35 && !city.institutions.empty()) {
    name.append(PickOne(city.institutions, rng));
    name.append(PickOne(field.centers, rng));
  } else if (name_kind < 0.65) {
    name.append(cd.zh);
    name.append(kGenericInstitutions[rng.Below(std::size(kGenericInstitutions))]);
    name.append(PickOne(field.centers, rng));
  } else {
    name.append(cd.zh);
    const std::size_t a = rng.Below(std::size(kBrandChars));
    const std::size_t b = (a + 1 + rng.Below(std::size(kBrandChars) - 1)) % std::size(kBrandChars);
    name.append(kBrandChars[a]);
    name.append(kBrandChars[b]);
    name.append(PickOne(field.companies, rng));
  }

  p->kind = rng.Chance(0.75) ? kFields[main_field].kind : static_cast<engine::PlatformKind>(rng.Below(3));
  const double lv = rng.Uniform();
  p->level = lv < 0.06   ? engine::PlatformLevel::kNational
             : lv < 0.12 ? engine::PlatformLevel::kRegional
             : lv < 0.40 ? engine::PlatformLevel::kProvincial
             : lv < 0.72 ? engine::PlatformLevel::kMunicipal
                         : engine::PlatformLevel::kInstitutional;

  std::array<double, kQualCount> prob{};
  for (std::size_t i = 0; i < count; ++i) {
    for (const auto& [q, pr] : m.fields[profile->fields[i]].quals) {
      prob[q] = std::max(prob[q], i == 0 ? pr : pr * 0.5);
    }
  }
  for (std::size_t q = 0; q < kQualCount; ++q) {
    if (prob[q] <= 0 || !rng.Chance(prob[q])) continue;
    engine::Qualification qual;
    qual.name = kQualNames[q];
    if (rng.Chance(0.55)) qual.valid_until = kYear2027 + static_cast<Seconds>(rng.Below(1096)) * kDay;
    p->qualifications.push_back(std::move(qual));
    profile->quals = static_cast<std::uint16_t>(profile->quals | (1u << q));
  }

  p->open = rng.Chance(0.92);
  if (rng.Chance(0.95)) {
    const double base = 76 + 9 * rng.Normal();
    auto score = [&] { return std::clamp(std::floor(base + 5 * rng.Normal() + 0.5), 30.0, 100.0); };
    engine::Evaluation e;
    e.service_capability = score();
    e.management = score();
    e.output = score();
    e.basic_conditions = score();
    p->evaluation = e;
  }
  profile->price_factor = (cd.weight >= 5 ? 1.12 : 0.95) * rng.Range(0.9, 1.1);
  // Platform sizes follow a capped Pareto law (density ~ 1/w^2 on [1, 33]):
  // most run a handful of services, a few run dozens.
  *size_weight = 1.0 / (0.03 + 0.97 * rng.Uniform());
}

// ---------------------------------------------------------------------------
// Capabilities.

// Chinese or English title from the leaf stem and a variant, e.g.
// "大鼠28天重复给药毒性试验 (GLP)", "Orbitrap Exploris 480 高分辨质谱",
// "Titan Krios G4 instrument time".
void BuildTitle(const Leaf& leaf, const std::pair<std::string_view, std::string_view>& variant, bool zh,
                std::string_view qual, Rng& rng, std::string* out) {
  const bool hour = leaf.info.unit == Unit::kHour;
  std::size_t pattern = rng.Below(3);
  // No "(...)（...）" pile-ups: stems ending in parentheses skip pattern 1.
  if (pattern == 1 && (zh ? leaf.info.title_zh : leaf.info.title_en).ends_with(')')) pattern = 0;
  out->reserve(64);
  if (zh) {
    if (pattern == 0) {
      AppendPart(variant.first, out);
      AppendPart(leaf.info.title_zh, out);
    } else if (pattern == 1) {
      out->append(leaf.info.title_zh);
      out->append("（");
      out->append(variant.first);
      out->append("）");
    } else {
      AppendPart(variant.first, out);
      AppendPart(hour ? std::string_view("机时预约") : leaf.info.title_zh, out);
      if (!hour) out->append("服务");
    }
  } else {
    if (pattern == 0 || (pattern == 2 && !hour)) {
      AppendPart(variant.second, out);
      AppendPart(leaf.info.title_en, out);
      if (pattern == 2) out->append(" service");
    } else if (pattern == 1) {
      if (hour) {
        AppendPart(variant.second, out);
        out->append(" instrument time");
      } else {
        out->append(leaf.info.title_en);
        out->append(" (");
        out->append(variant.second);
        out->push_back(')');
      }
    } else {
      out->append(leaf.info.title_en);
      out->append(" on ");
      out->append(variant.second);
    }
    CapitalizeFirst(out, 0);
  }
  // Pattern 1 already ends in parentheses.
  if (!qual.empty() && pattern != 1) {
    out->append(" (");
    out->append(qual);
    out->push_back(')');
  }
}

void BuildDescription(const Model& m, const Leaf& leaf, const std::pair<std::string_view, std::string_view>& variant,
                      bool zh, Rng& rng, std::string* out) {
  const int u = static_cast<int>(leaf.info.unit);
  const UnitText& t = kUnitTexts[u];
  const std::int64_t tat = rng.Between(t.tat_lo, t.tat_hi);
  out->reserve(160);
  if (zh) {
    out->append("提供");
    AppendPart(variant.first, out);
    AppendPart(leaf.info.title_zh, out);
    out->append("服务，");
    out->append(PickOne(m.units[u].features_zh, rng));
    out->append("，");
    out->append(t.tat_zh_before);
    AppendInt(tat, out);
    out->append(t.tat_zh_after);
    out->append("。");
  } else {
    out->append(leaf.info.title_en);
    CapitalizeFirst(out, 0);
    out->append(" (");
    out->append(variant.second);
    out->append("). ");
    out->append(PickOne(m.units[u].features_en, rng));
    out->append(". ");
    out->append(t.tat_en_before);
    AppendInt(tat, out);
    out->append(t.tat_en_after);
  }
}

// Picks `n` distinct keywords (at most all of the first 32) in random order.
void PickKeywords(const std::vector<std::string_view>& keywords, std::size_t n, Rng& rng,
                  std::vector<std::string>* out) {
  const std::size_t size = std::min<std::size_t>(keywords.size(), 32);
  n = std::min(n, size);
  out->reserve(n);
  std::uint32_t used = 0;  // bit j: keywords[j] already taken
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t k = rng.Below(size - i);  // take the k-th keyword not yet used
    std::size_t j = 0;
    for (;; ++j) {
      if ((used >> j & 1u) == 0) {
        if (k == 0) break;
        --k;
      }
    }
    used |= 1u << j;
    out->emplace_back(keywords[j]);
  }
}

// Calendar days (Beijing time) and weekday helpers. Day 0 is the day holding
// `start`; weekday 0 is Monday.
struct DayGrid {
  explicit DayGrid(Seconds start)
      : first_day(FloorDiv(start + kChinaOffset, kDay)), midnight(first_day * kDay - kChinaOffset) {}
  bool IsWeekend(std::int64_t d) const { return (first_day + d + 3) % 7 >= 5; }
  Seconds DayStart(std::int64_t d) const { return midnight + d * kDay; }
  std::int64_t first_day;
  Seconds midnight;  // 00:00 Beijing time of day 0
};

// Instruments: working-day or half-day blocks (09:00-17:00, or 09:00-13:00 and
// 14:00-18:00 Beijing time) of one unit per hour over ~4 months; computing
// resources 24-hour blocks. Some days are already booked (missing).
void HourSlots(const Leaf& leaf, Seconds start, Rng& rng, std::vector<Slot>* slots) {
  const DayGrid grid(start);
  const std::int64_t days = 120 + rng.Between(0, 6);
  const bool weekdays_only = rng.Chance(0.6);
  const bool half_days = !leaf.round_the_clock && rng.Chance(0.4);
  const double booked = rng.Range(0.0, 0.25);
  slots->reserve(static_cast<std::size_t>(days * (half_days ? 2 : 1) * (weekdays_only ? 5 : 7) / 7 + 2));
  auto add = [&](Seconds s, Seconds e) {
    if (s >= start && !rng.Chance(booked)) slots->push_back(Slot{s, e, (e - s) / kHour, 0});
  };
  for (std::int64_t d = 0; d < days; ++d) {
    if (weekdays_only && grid.IsWeekend(d)) continue;
    const Seconds day = grid.DayStart(d);
    if (leaf.round_the_clock) {
      add(day, day + kDay);
    } else if (half_days) {
      add(day + 9 * kHour, day + 13 * kHour);
      add(day + 14 * kHour, day + 18 * kHour);
    } else {
      add(day + 9 * kHour, day + 17 * kHour);
    }
  }
}

// Samples: weekly blocks from `start` over ~4 months, 20-500 units a week
// (log-uniform per capability, +-30% from week to week), some weeks missing.
void SampleSlots(Seconds start, Rng& rng, std::vector<Slot>* slots) {
  constexpr double kLn25 = 3.2188758248682006;  // ln(500 / 20)
  const std::int64_t weeks = 17 + rng.Between(0, 1);
  const double base = 20 * Exp(rng.Uniform() * kLn25);
  const double booked = 0.1;
  slots->reserve(static_cast<std::size_t>(weeks));
  for (std::int64_t w = 0; w < weeks; ++w) {
    const double jitter = rng.Range(0.7, 1.3);
    if (rng.Chance(booked)) continue;
    const std::int64_t units = std::max<std::int64_t>(1, static_cast<std::int64_t>(base * jitter + 0.5));
    slots->push_back(Slot{start + w * kWeek, start + (w + 1) * kWeek, units, 0});
  }
}

// Batches: weekly blocks of 1-2 batches, many weeks already taken.
void BatchSlots(Seconds start, Rng& rng, std::vector<Slot>* slots) {
  const std::int64_t weeks = 17;
  const double booked = rng.Range(0.1, 0.5);
  const std::int64_t units = rng.Chance(0.3) ? 2 : 1;
  slots->reserve(static_cast<std::size_t>(weeks));
  for (std::int64_t w = 0; w < weeks; ++w) {
    if (rng.Chance(booked)) continue;
    slots->push_back(Slot{start + w * kWeek, start + (w + 1) * kWeek, units, 0});
  }
  if (slots->empty()) slots->push_back(Slot{start, start + kWeek, units, 0});
}

// Studies: 1-6 four-week blocks on a grid offset 0-27 days from `start`,
// 1-3 studies each: the last block ends at most 195 days after `start`.
constexpr std::int64_t kStudyBlocks = 6;
constexpr Seconds kStudyBlock = 28 * kDay;
constexpr Seconds kStudyHorizon = 27 * kDay + kStudyBlocks * kStudyBlock;

void StudySlots(Seconds start, Rng& rng, std::vector<Slot>* slots) {
  const Seconds offset = static_cast<Seconds>(rng.Below(28)) * kDay;
  const double keep = static_cast<double>(1 + rng.Below(kStudyBlocks)) / kStudyBlocks;
  const std::int64_t units = 1 + static_cast<std::int64_t>(rng.Below(3));
  slots->reserve(kStudyBlocks);
  for (std::int64_t b = 0; b < kStudyBlocks; ++b) {
    if (!rng.Chance(keep)) continue;
    const Seconds s = start + offset + b * kStudyBlock;
    slots->push_back(Slot{s, s + kStudyBlock, units, 0});
  }
  if (slots->empty()) slots->push_back(Slot{start + offset, start + offset + kStudyBlock, units, 0});
}

// Daily one-unit slots from `start` over ~4 months, weekdays only for some.
void DaySlots(Seconds start, Rng& rng, std::vector<Slot>* slots) {
  const DayGrid grid(start);
  const std::int64_t days = 120 + rng.Between(0, 6);
  const bool weekdays_only = rng.Chance(0.35);
  const double booked = rng.Range(0.0, 0.15);
  slots->reserve(static_cast<std::size_t>(days));
  for (std::int64_t d = 0; d < days; ++d) {
    if (weekdays_only && grid.IsWeekend(d)) continue;
    if (rng.Chance(booked)) continue;
    slots->push_back(Slot{start + d * kDay, start + (d + 1) * kDay, 1, 0});
  }
}

// Every slot ends by start + kCalendarHorizon.
constexpr Seconds kCalendarHorizon = kStudyHorizon;

void MakeCapability(const Model& m, const CatalogSpec& spec, const std::vector<engine::Platform>& platforms,
                    const std::vector<Profile>& profiles, const WeightedPicker& platform_picker, std::size_t index,
                    int width, engine::Capability* c) {
  Rng rng(spec.seed, kStreamCapability, index);
  const std::size_t pi = platform_picker.Pick(rng);
  const Profile& profile = profiles[pi];
  const std::size_t fi =
      profile.fields[profile.field_count == 1 || rng.Chance(0.7) ? 0 : 1 + rng.Below(profile.field_count - 1)];
  const Field& field = m.fields[fi];
  const Leaf& leaf = m.leaves[field.leaves[field.leaf_picker.Pick(rng)]];

  AppendId("c-", index + 1, width, &c->id);
  c->platform_id = platforms[pi].id;
  c->category.assign(leaf.info.path);
  const auto& variant = PickOne(leaf.variants, rng);
  const bool zh = rng.Chance(0.7);
  // Advertise the field's key qualification in the title when the platform has it.
  std::string_view qual;
  const std::string_view key = field.required.front();
  const auto key_index = static_cast<std::size_t>(std::find(std::begin(kQualNames), std::end(kQualNames), key) -
                                                  std::begin(kQualNames));
  if (key_index < kQualCount && (profile.quals >> key_index & 1u) != 0 && rng.Chance(0.35)) qual = key;
  BuildTitle(leaf, variant, zh, qual, rng, &c->title);
  BuildDescription(m, leaf, variant, zh, rng, &c->description);
  PickKeywords(leaf.keywords, 2 + rng.Below(4), rng, &c->keywords);

  StageSet stages = engine::StageBit(leaf.info.primary_stage);
  int count = 1;
  for (int s = 0; s < engine::kStageCount && count < 3; ++s) {
    const StageSet bit = static_cast<StageSet>(1u << s);
    if ((leaf.info.stages & bit) != 0 && (stages & bit) == 0 && rng.Chance(0.5)) {
      stages = static_cast<StageSet>(stages | bit);
      ++count;
    }
  }
  c->stages = stages;
  c->unit = leaf.info.unit;
  c->price_per_unit =
      RoundNice(leaf.info.typical_price * profile.price_factor * Exp(kPriceSigma * rng.Normal()), false);

  switch (leaf.info.unit) {
    case Unit::kHour: HourSlots(leaf, spec.start, rng, &c->slots); break;
    case Unit::kSample: SampleSlots(spec.start, rng, &c->slots); break;
    case Unit::kStudy: StudySlots(spec.start, rng, &c->slots); break;
    case Unit::kDay: DaySlots(spec.start, rng, &c->slots); break;
    case Unit::kBatch: BatchSlots(spec.start, rng, &c->slots); break;
  }
}

// ---------------------------------------------------------------------------
// Requests.

constexpr std::int64_t kHourQuantities[] = {1, 2, 2, 3, 4, 4, 6, 8, 8, 12, 16, 20, 24, 32, 40};
constexpr std::int64_t kSampleQuantities[] = {1,  2,  3,  4,  5,  6,  8,  10, 12,  16,  20,  24,
                                              30, 40, 48, 50, 60, 80, 96, 100, 120, 150, 200};
constexpr std::int64_t kDayQuantities[] = {1, 2, 3, 5, 7, 7, 10, 14, 20, 30};

// Ways a request is made infeasible.
enum class Infeasible { kNone, kBudget, kQualification, kDistance, kRegion, kWindow, kStage };

void AppendBudgetZh(double budget, std::string* out) {
  if (budget >= 100000) {
    AppendInt(static_cast<std::int64_t>(budget / 10000 + 0.5), out);
    out->append("万元");
  } else {
    AppendInt(static_cast<std::int64_t>(budget), out);
    out->append("元");
  }
}

// Why a request in each stage needs the service ("... needed within 8 weeks for ...").
constexpr std::string_view kPurposeEn[engine::kStageCount] = {
    "a discovery project", "an IND-enabling programme", "a clinical programme", "a regulatory submission",
    "a production campaign"};

struct Place {
  std::string_view zh;
  std::string_view en;
};

void BuildRequestText(const Leaf& leaf, const std::pair<std::string_view, std::string_view>& variant,
                      const engine::Request& r, std::int64_t weeks, const Place& place, bool zh, Rng& rng,
                      std::string* out) {
  const UnitText& t = kUnitTexts[static_cast<int>(leaf.info.unit)];
  const std::string_view qual =
      r.required_qualifications.empty() ? std::string_view() : std::string_view(r.required_qualifications.front());
  out->reserve(128);
  switch (rng.Below(5)) {
    case 0:
      if (zh) {
        // "需要GLP大鼠重复给药毒性试验", "需要具备CMA资质的 HPLC 分析".
        out->append("需要");
        if (qual == "GLP") {
          out->append(qual);
        } else if (!qual.empty()) {
          out->append("具备");
          out->append(qual);
          out->append("资质的");
        }
        AppendPart(variant.first, out);
        AppendPart(leaf.info.title_zh, out);
      } else {
        out->append("Need ");
        out->append(variant.second);
        out->push_back(' ');
        out->append(leaf.info.title_en);
      }
      break;
    case 1:
      if (zh) {
        out->append("寻找");
        out->append(place.zh);
        out->append("附近可承接");
        AppendPart(variant.first, out);
        AppendPart(leaf.info.title_zh, out);
        out->append("的平台，约");
        AppendInt(r.quantity, out);
        out->append(t.zh_word);
      } else {
        out->append("Looking for ");
        out->append(leaf.info.title_en);
        out->append(" near ");
        out->append(place.en);
        out->append(" (");
        AppendInt(r.quantity, out);
        out->push_back(' ');
        out->append(r.quantity == 1 ? t.en_one : t.en_many);
        out->push_back(')');
      }
      break;
    case 2:
      if (zh) {
        out->append("急需");
        AppendPart(variant.first, out);
        AppendPart(leaf.info.title_zh, out);
        AppendInt(r.quantity, out);
        out->append(t.zh_word);
        out->append("，");
        AppendInt(weeks, out);
        out->append("周内完成");
      } else {
        if (qual.empty()) {
          out->append("Seeking a qualified");
        } else {
          out->append(std::string_view("AEIOU").find(qual.front()) != std::string_view::npos ? "Seeking an "
                                                                                             : "Seeking a ");
          out->append(qual);
          out->append("-certified");
        }
        out->append(" lab for ");
        out->append(variant.second);
        out->push_back(' ');
        out->append(leaf.info.title_en);
      }
      break;
    case 3:
      if (zh) {
        out->append("我们是");
        out->append(place.zh);
        out->append("的一家生物医药初创企业，需要");
        AppendPart(leaf.info.title_zh, out);
        out->append("服务");
        if (r.budget_max) {
          out->append("，预算约");
          AppendBudgetZh(*r.budget_max, out);
        }
      } else {
        out->append(leaf.info.title_en);
        CapitalizeFirst(out, 0);
        out->append(" needed within ");
        AppendInt(weeks, out);
        out->append(" weeks for ");
        out->append(kPurposeEn[static_cast<int>(r.stage)]);
      }
      break;
    default:
      if (zh) {
        out->append("求");
        out->append(leaf.info.title_zh);
        out->append("合作单位");
        if (!qual.empty()) {
          out->append("，要求具备");
          out->append(qual);
          out->append("资质");
        } else {
          out->append("，可长期合作");
        }
      } else {
        out->append("Small biotech in ");
        out->append(place.en);
        out->append(" needs ");
        out->append(leaf.info.title_en);
        out->append(" (quantity: ");
        AppendInt(r.quantity, out);
        out->push_back(' ');
        out->append(r.quantity == 1 ? t.en_one : t.en_many);
        out->push_back(')');
      }
      break;
  }
}

std::int64_t RequestQuantity(Unit unit, Rng& rng) {
  switch (unit) {
    case Unit::kHour: return kHourQuantities[rng.Below(std::size(kHourQuantities))];
    case Unit::kSample: return kSampleQuantities[rng.Below(std::size(kSampleQuantities))];
    case Unit::kStudy: return rng.Chance(0.9) ? 1 : 2;
    case Unit::kDay: return kDayQuantities[rng.Below(std::size(kDayQuantities))];
    case Unit::kBatch: {
      const double u = rng.Uniform();
      return u < 0.75 ? 1 : u < 0.95 ? 2 : 3;
    }
  }
  return 1;
}

Stage PickStage(StageSet allowed, Rng& rng) {
  std::array<Stage, engine::kStageCount> stages{};
  std::size_t n = 0;
  for (int s = 0; s < engine::kStageCount; ++s) {
    if ((allowed & (1u << s)) != 0) stages[n++] = static_cast<Stage>(s);
  }
  return stages[rng.Below(n)];
}

// Fills `r` (all but the id). `org_pool`: how many distinct requesters.
void MakeRequest(const Model& m, const CatalogSpec& spec, std::size_t org_pool, Rng& rng, engine::Request* r) {
  const std::size_t fi = m.field_picker.Pick(rng);
  const Field& field = m.fields[fi];
  const Leaf& leaf = m.leaves[field.leaves[field.leaf_picker.Pick(rng)]];
  const TaxonomyLeaf& info = leaf.info;

  AppendId("org-", 1 + rng.Below(org_pool), 5, &r->requester.id);
  const double rt = rng.Uniform();
  r->requester.type = rt < 0.55   ? engine::RequesterType::kEnterprise
                      : rt < 0.75 ? engine::RequesterType::kUniversity
                      : rt < 0.87 ? engine::RequesterType::kInstitute
                      : rt < 0.97 ? engine::RequesterType::kHospital
                                  : engine::RequesterType::kOther;
  r->unit = info.unit;
  r->stage = rng.Chance(0.8) ? info.primary_stage : PickStage(info.stages, rng);
  r->quantity = RequestQuantity(info.unit, rng);

  // Window: 2-12 weeks inside the calendars (8-12 for studies, long enough
  // for daily quantities), starting early more often than late.
  std::int64_t weeks = 0;
  std::int64_t max_offset_days = 0;
  if (info.unit == Unit::kStudy) {
    weeks = rng.Between(8, 12);
    max_offset_days = 100;
  } else {
    const std::int64_t min_weeks = info.unit == Unit::kDay ? std::max<std::int64_t>(2, (2 * r->quantity + 6) / 7) : 2;
    weeks = rng.Between(min_weeks, 12);
    max_offset_days = 119 - 7 * weeks;
  }
  const double early = rng.Uniform();
  const auto offset_days = static_cast<std::int64_t>(early * early * static_cast<double>(max_offset_days + 1));
  r->window.earliest_start = spec.start + offset_days * kDay;
  r->window.deadline = r->window.earliest_start + weeks * kWeek;

  // Where: half near a city within 100-2000 km, some within a region.
  std::size_t place_city = m.city_picker.Pick(rng);
  const double geo = rng.Uniform();
  if (geo < 0.5) {
    const CityDef& cd = kCities[place_city];
    r->location = engine::GeoPoint{Round5(cd.lat + rng.Range(-0.3, 0.3)), Round5(cd.lon + rng.Range(-0.3, 0.3))};
    const double d = rng.Uniform();
    const double km = d < 0.1 ? rng.Range(100, 300) : d < 0.5 ? rng.Range(300, 1000) : rng.Range(1000, 2000);
    r->max_distance_km = std::floor(km / 10 + 0.5) * 10;
  } else if (geo < 0.65) {
    r->region = rng.Chance(0.7) ? m.cities[place_city].province_region : m.cities[place_city].city_region;
  }
  Place place{kCities[place_city].zh, m.cities[place_city].en};

  if (rng.Chance(0.3)) {
    const std::size_t n = field.required.size() >= 2 && rng.Chance(0.3) ? 2 : 1;
    const std::size_t first = rng.Chance(0.6) ? 0 : rng.Below(field.required.size());
    r->required_qualifications.emplace_back(field.required[first]);
    if (n == 2) {
      const std::size_t second = (first + 1 + rng.Below(field.required.size() - 1)) % field.required.size();
      r->required_qualifications.emplace_back(field.required[second]);
    }
  }
  const double typical_total = info.typical_price * static_cast<double>(r->quantity);
  if (rng.Chance(0.8)) r->budget_max = RoundNice(typical_total * rng.Range(1.2, 3.0), false);
  r->category.assign(rng.Chance(0.25) ? leaf.parent : info.path);
  PickKeywords(leaf.keywords, rng.Below(4), rng, &r->keywords);

  // Requests built to have no feasible capability. Each mode alone rules out
  // every capability; all keep the leaf category so no sibling leaf with
  // other prices or stages can match.
  if (rng.Chance(spec.infeasible_share)) {
    r->category.assign(info.path);
    auto mode = static_cast<Infeasible>(1 + rng.Below(6));
    const StageSet never = static_cast<StageSet>(~info.stages & ((1u << engine::kStageCount) - 1));
    if (mode == Infeasible::kStage && never == 0) mode = Infeasible::kBudget;
    switch (mode) {
      case Infeasible::kBudget:
        // Every price is at least typical * kMinPriceFactor.
        r->budget_max = RoundNice(typical_total * rng.Range(0.04, kMinPriceFactor * 0.9), true);
        break;
      case Infeasible::kQualification:
        r->required_qualifications.emplace_back(kUnheldQuals[rng.Below(std::size(kUnheldQuals))]);
        break;
      case Infeasible::kDistance: {
        const RemotePlace& rp = kRemotePlaces[rng.Below(std::size(kRemotePlaces))];
        r->region.reset();
        r->location = engine::GeoPoint{Round5(rp.lat + rng.Range(-0.05, 0.05)), Round5(rp.lon + rng.Range(-0.05, 0.05))};
        r->max_distance_km = std::floor(rng.Range(50, rp.max_km) / 10 + 0.5) * 10;
        place = Place{rp.zh, rp.en};
        break;
      }
      case Infeasible::kRegion:
        r->location.reset();
        r->max_distance_km.reset();
        r->region = std::string(kEmptyRegions[rng.Below(std::size(kEmptyRegions))]);
        break;
      case Infeasible::kWindow:
        // Starts after every calendar has ended.
        r->window.earliest_start = spec.start + kCalendarHorizon + static_cast<Seconds>(50 + rng.Below(30)) * kDay;
        weeks = rng.Between(2, 8);
        r->window.deadline = r->window.earliest_start + weeks * kWeek;
        break;
      case Infeasible::kStage:
        r->stage = PickStage(never, rng);
        break;
      case Infeasible::kNone:
        break;
    }
  }

  const auto& variant = PickOne(leaf.variants, rng);
  BuildRequestText(leaf, variant, *r, weeks, place, rng.Chance(0.6), rng, &r->text);
}

std::size_t OrgPool(std::size_t n) { return std::max<std::size_t>(50, n / 4); }

// Runs fn(begin, end) over [0, n) split among up to 8 threads (one for small
// n). Every entity draws from its own stream, so the result does not depend
// on the split. Rethrows the first exception (std::bad_alloc) in the caller.
template <typename Fn>
void ParallelFor(std::size_t n, const Fn& fn) {
  constexpr std::size_t kMinPerThread = 25000;
  const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::clamp<std::size_t>(n / kMinPerThread, 1, std::min<std::size_t>(hardware, 8));
  if (threads == 1) {
    fn(std::size_t{0}, n);
    return;
  }
  const std::size_t chunk = (n + threads - 1) / threads;
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  auto run = [&](std::size_t t) {
    try {
      fn(t * chunk, std::min(n, (t + 1) * chunk));
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (std::thread& th : pool) th.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

std::span<const TaxonomyLeaf> Taxonomy() { return GetModel().taxonomy; }

Catalog GenerateCatalog(const CatalogSpec& spec) {
  const Model& m = GetModel();
  Catalog catalog;
  const std::size_t platform_count =
      spec.platforms != 0 ? spec.platforms : std::max<std::size_t>(1, spec.capabilities / 8);
  const std::size_t request_count = spec.requests != 0 ? spec.requests : spec.capabilities / 10;

  catalog.platforms.resize(platform_count);
  std::vector<Profile> profiles(platform_count);
  WeightedPicker platform_picker;
  platform_picker.Reserve(platform_count);
  const int platform_width = IdWidth(platform_count, 6);
  for (std::size_t i = 0; i < platform_count; ++i) {
    double size_weight = 1;
    MakePlatform(m, spec.seed, i, platform_width, &catalog.platforms[i], &profiles[i], &size_weight);
    platform_picker.Add(size_weight);
  }

  catalog.capabilities.resize(spec.capabilities);
  const int capability_width = IdWidth(spec.capabilities, 7);
  ParallelFor(spec.capabilities, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      MakeCapability(m, spec, catalog.platforms, profiles, platform_picker, i, capability_width,
                     &catalog.capabilities[i]);
    }
  });

  catalog.requests.resize(request_count);
  const int request_width = IdWidth(request_count, 6);
  const std::size_t org_pool = OrgPool(request_count);
  ParallelFor(request_count, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      Rng rng(spec.seed, kStreamRequest, i);
      engine::Request& r = catalog.requests[i];
      AppendId("r-", i + 1, request_width, &r.id);
      MakeRequest(m, spec, org_pool, rng, &r);
    }
  });
  return catalog;
}

std::vector<engine::Request> GenerateQueries(const CatalogSpec& spec, std::size_t n, std::uint64_t seed) {
  const Model& m = GetModel();
  std::vector<engine::Request> queries(n);
  const std::size_t org_pool = OrgPool(n);
  ParallelFor(n, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      Rng rng(seed, kStreamQuery, i);
      MakeRequest(m, spec, org_pool, rng, &queries[i]);
    }
  });
  return queries;
}

}  // namespace biomatch::catalog
