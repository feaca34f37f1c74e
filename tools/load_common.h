// What the load clients (biomatch_load, biomatch_stream_load) share: their
// "--name value" flags and their percentiles. Header only; no state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace biomatch::tools {

// Calls on_flag(name, value) for each "--name value" pair of argv. on_flag
// returns false for a name it does not know and may throw std::exception
// (std::stoi's) for a value it cannot read; each problem goes to `usage`,
// which does not return.
inline void ParseFlags(int argc, char** argv, const std::function<bool(const std::string&, const std::string&)>& on_flag,
                       const std::function<void(const std::string&)>& usage) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag.rfind("--", 0) != 0) usage("unexpected argument " + flag);
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string value = argv[++i];
    bool known = false;
    try {
      known = on_flag(flag.substr(2), value);
    } catch (const std::exception&) {
      usage("bad value for " + flag + ": " + value);
    }
    if (!known) usage("unknown flag " + flag);
  }
}

// Splits "host:port" at its last colon; false without one.
inline bool SplitHostPort(const std::string& target, std::string* host, std::string* port) {
  const std::size_t colon = target.rfind(':');
  if (colon == std::string::npos) return false;
  *host = target.substr(0, colon);
  *port = target.substr(colon + 1);
  return true;
}

// The q-quantile of `v` (0 for none); reorders v.
template <typename T>
double Percentile(std::vector<T>& v, double q) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

}  // namespace biomatch::tools
