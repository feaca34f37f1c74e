// Fuzz target: the bulk NDJSON parser. The input is the body of one
// POST /v1/bulk by the admin, sent to a real server whose catalogue carries
// over from earlier inputs (so deletes and re-puts meet existing ids): line
// splitting, each line's decoding, ApplyBatch's checks and the error report.
// Findings: crashes, sanitizer reports, an answer other than 200, 400 or 503,
// a connection the server does not close.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace biomatch::fuzz;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string request = "POST /v1/bulk HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer " + std::string(kAdminToken) +
                        "\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  const std::string answer = FuzzServer::Get().Exchange(request);
  CheckNoServerError(answer);
  const std::string_view status = std::string_view(answer).substr(0, 12);
  if (status != "HTTP/1.1 200" && status != "HTTP/1.1 400" && status != "HTTP/1.1 503") {
    Die("a bulk was answered " + answer);
  }
  return 0;
}
