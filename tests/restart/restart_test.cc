// The model-based restart test, after RocksDB's db_stress and crash test:
// seeded random sequences of writes against the real biomatchd (single
// writes, bulk bodies that repeat ids, reservations held, confirmed,
// cancelled, completed and left to expire, subscriptions and keys), with
// the server stopped by SIGTERM or SIGKILL at random points, and after each
// restart a full comparison of the recovered state with the model.
//
// The model is what the server acknowledged. After every operation the test
// reads the whole state back (every authenticated read is fenced: it answers
// only once what it shows is durable), so the model holds each entity,
// reservation, subscription and key as last acknowledged, and every event
// the stream delivered. A refused operation must leave the state as it was.
// An operation a stop cut off is uncertain: the ids it names may come back
// either way, nothing else may differ. Holds that expire on their own make
// their reservation, request and capability uncertain likewise.
//
// Flags (after the GoogleTest ones): --seed=N (default 1), --cycles=N
// (restarts, default 12), --ops=N (operations per cycle, default 60).
// BIOMATCH_SERVER_BINARY names another server binary to test.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/beast/websocket.hpp>

#include "biomatch/storage/store.h"
#include "server/fixture.h"

namespace biomatch::testing {
namespace {

namespace websocket = beast::websocket;

struct Flags {
  std::uint64_t seed = 1;
  int cycles = 12;
  int ops = 60;
};
Flags g_flags;

// --- The server process.

class ServerProcess {
 public:
  explicit ServerProcess(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~ServerProcess() {
    if (pid_ > 0) Stop(SIGKILL);
    if (::testing::Test::HasFailure()) std::fprintf(stderr, "the server's log:\n%s\n", Log().c_str());
  }

  // Starts biomatchd on a free loopback port; false (with a test failure)
  // when it does not come up within 60 s.
  bool Start() {
    const char* env = std::getenv("BIOMATCH_SERVER_BINARY");
    const std::string binary = env != nullptr ? env : BIOMATCH_SERVER_BINARY;
    const std::string log = (dir_ / "server.log").string();
    const std::string data = (dir_ / "data").string();
    std::filesystem::remove(log);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      ::setenv("BIOMATCH_ADMIN_TOKEN", kAdminToken, 1);
      ::execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--data", data.c_str(), "--threads", "2",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (const auto at = text.find("(port "); at != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + 6)));
        return true;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << "biomatchd exited at start:\n" << text;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "biomatchd did not start within 60 s";
    return false;
  }

  // Sends `signal` and waits for the exit; the exit status.
  int Stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  void Signal(int signal) const { ::kill(pid_, signal); }
  // How the server ended, if it did on its own.
  std::string Ended() {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) != pid_) return "still running";
    pid_ = -1;
    if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  std::uint16_t port() const { return port_; }
  // The value of `name` in its environment, as the kernel has it; nullopt
  // when it has none.
  std::optional<std::string> Environment(const std::string& name) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/environ");
    for (std::string entry; std::getline(in, entry, '\0');) {
      if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
    }
    return std::nullopt;
  }
  std::string Log() const {
    std::ifstream in(dir_ / "server.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string data_dir() const { return (dir_ / "data").string(); }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// --- Reading JSON as the test needs it: the objects of an "items" array, and
// a top-level string field of one object.

std::vector<std::string> Items(const std::string& body) {
  std::vector<std::string> items;
  std::size_t i = body.find("\"items\":[");
  if (i == std::string::npos) return items;
  i += 9;
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (; i < body.size(); ++i) {
    const char ch = body[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '{' && depth++ == 0) start = i;
    else if (ch == '}' && --depth == 0) items.push_back(body.substr(start, i - start + 1));
    else if (ch == ']' && depth == 0) break;
  }
  return items;
}

// The value of string field `name` at the top level of object `json`.
std::string TopField(const std::string& json, const std::string& name) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char ch = json[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '{' || ch == '[') ++depth;
    else if (ch == '}' || ch == ']') --depth;
    else if (ch == '"') {
      if (depth == 1 && json.compare(i, name.size() + 3, "\"" + name + "\":") == 0) {
        const std::size_t start = i + name.size() + 4;
        return json[start - 1] == '"' ? json.substr(start, json.find('"', start) - start) : "";
      }
      in_string = true;
    }
  }
  return "";
}

std::string Rfc3339(std::time_t t) {
  char text[32];
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Everything the server holds that a client can read: "kind/id" -> JSON.
using State = std::map<std::string, std::string>;

State ReadState(Client& c) {
  State state;
  for (const char* kind : {"platforms", "capabilities", "requests", "reservations", "subscriptions", "keys"}) {
    std::string cursor;
    do {
      const Reply r = c.Get(std::string("/v1/") + kind + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200u) << kind << ": " << r.body;
      for (const std::string& item : Items(r.body)) {
        const std::string id = TopField(item, std::string(kind) == "keys" ? "name" : "id");
        state[std::string(kind) + "/" + id] = item;
      }
      cursor = JsonValue(r.body, "next_cursor");
      if (cursor == "null") cursor.clear();
    } while (!cursor.empty());
  }
  return state;
}

// The keys of `state` whose JSON names one of `ids` as a string value, or
// of a reservation's request or capability when it names one of `ids` (a
// reservation changes both; cancelling a request, its reservations' too).
std::set<std::string> Naming(const State& state, std::set<std::string> ids) {
  for (const auto& [key, json] : state) {
    if (key.rfind("reservations/", 0) != 0) continue;
    for (const char* field : {"id", "request_id", "capability_id"}) {
      if (!ids.count(TopField(json, field))) continue;
      ids.insert(TopField(json, "request_id"));
      ids.insert(TopField(json, "capability_id"));
    }
  }
  std::set<std::string> out;
  for (const auto& [key, json] : state) {
    for (const std::string& id : ids) {
      if (key.substr(key.find('/') + 1) == id || json.find("\"" + id + "\"") != std::string::npos) out.insert(key);
    }
  }
  return out;
}

// Held reservations due to expire by `by` (RFC 3339): their ids, requests
// and capabilities.
std::set<std::string> Expiring(const State& state, const std::string& by) {
  std::set<std::string> ids;
  for (const auto& [key, json] : state) {
    if (key.rfind("reservations/", 0) != 0 || TopField(json, "status") != "held") continue;
    if (TopField(json, "expires_at") > by) continue;
    ids.insert(TopField(json, "id"));
    ids.insert(TopField(json, "request_id"));
    ids.insert(TopField(json, "capability_id"));
  }
  return ids;
}

// Fails the test for every key of `expected` and `actual` that differs,
// except those in `loose`.
void ExpectSameState(const State& expected, const State& actual, const std::set<std::string>& loose,
                     const std::string& when) {
  std::set<std::string> keys;
  for (const auto& [k, v] : expected) keys.insert(k);
  for (const auto& [k, v] : actual) keys.insert(k);
  for (const std::string& k : keys) {
    if (loose.count(k)) continue;
    const auto e = expected.find(k);
    const auto a = actual.find(k);
    const std::string want = e == expected.end() ? "(absent)" : e->second;
    const std::string got = a == actual.end() ? "(absent)" : a->second;
    EXPECT_EQ(want, got) << when << ": " << k;
  }
}

// --- The event log, read through the stream of subscription "all".

struct EventLog {
  std::map<std::uint64_t, std::string> events;  // seq -> the message without its subscriptions

  // Reads every stored event with seq > the last one known (up to the
  // server's last durable seq) and checks the ones known before.
  // With `all`, reads from seq 1 and checks that every event known before
  // is still there unchanged.
  void Catch(std::uint16_t port, const std::string& when, bool all = false) {
    SCOPED_TRACE(when + ": reading the event log");
    Client metrics(port);
    const Reply m = metrics.Get("/metrics");
    const std::size_t at = m.body.find("\nbiomatch_events_last_seq ");
    ASSERT_NE(at, std::string::npos) << m.body.substr(0, 200);
    const std::uint64_t last = std::stoull(m.body.substr(at + 26));
    const std::uint64_t known = events.empty() ? 0 : events.rbegin()->first;
    ASSERT_GE(last, known) << when << ": events delivered before are gone";
    const std::uint64_t from = all ? 1 : known + 1;
    if (from > last) return;
    net::io_context ioc;
    websocket::stream<net::ip::tcp::socket> ws(ioc);
    ws.next_layer().connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::authorization, std::string("Bearer ") + kAdminToken); }));
    ws.handshake("127.0.0.1", "/v1/stream?subscriptions=all&from=" + std::to_string(from));
    std::uint64_t expected_seq = from;
    beast::flat_buffer buffer;
    while (expected_seq <= last) {
      buffer.clear();
      ws.read(buffer);
      std::string message = beast::buffers_to_string(buffer.data());
      if (message.find("\"type\":\"stream.gap\"") != std::string::npos) {
        ADD_FAILURE() << when << ": the log lost its head: " << message;
        return;
      }
      const std::uint64_t seq = std::stoull(JsonValue(message, "seq"));
      ASSERT_EQ(seq, expected_seq) << when << ": the event log has a gap";
      // The subscriptions list is per stream; the rest is the event.
      const std::size_t s = message.find(",\"subscriptions\":");
      const std::size_t d = message.find(",\"data\":", s);
      if (s != std::string::npos && d != std::string::npos) message.erase(s, d - s);
      if (auto before = events.find(seq); before != events.end()) {
        EXPECT_EQ(before->second, message) << when << ": event " << seq << " changed";
      } else {
        events.emplace(seq, std::move(message));
      }
      ++expected_seq;
    }
    beast::error_code ignored;
    ws.close(websocket::close_code::normal, ignored);
  }
};

// --- The operations.

struct Operation {
  std::string name;  // for messages
  http::verb method = http::verb::get;
  std::string target;
  std::string body;
  std::string content_type = "application/json";
  std::set<std::string> ids;  // what it may change
  // Once acknowledged: "kind/id" -> whether it must exist (the ids whose
  // final state the operation decides).
  std::map<std::string, bool> decides;
};

std::string PlatformDoc(int n) { return PlatformJson("platform " + std::to_string(n)); }

class Workload {
 public:
  explicit Workload(std::uint64_t seed) : rng_(seed) {}

  // A random operation, given the state it meets.
  Operation Next(const State& state) {
    auto pick = [&](const std::string& prefix, int n) { return prefix + std::to_string(Uniform(0, n - 1)); };
    // The ids of `kind` whose top-level `field` is `value` (any, when empty).
    auto existing = [&](const std::string& kind, const std::string& field = "", const std::string& value = "") {
      std::vector<std::string> ids;
      for (const auto& [key, json] : state) {
        if (key.rfind(kind + "/", 0) == 0 && (field.empty() || TopField(json, field) == value)) {
          ids.push_back(key.substr(kind.size() + 1));
        }
      }
      return ids;
    };
    auto any_of = [&](const std::vector<std::string>& ids, const std::string& fallback) {
      return ids.empty() ? fallback : ids[Uniform(0, static_cast<int>(ids.size()) - 1)];
    };
    const int roll = Uniform(0, 99);
    const int n = ++counter_;
    if (roll < 8) {
      const std::string id = pick("p", 4);
      return {"put platform", http::verb::put, "/v1/platforms/" + id, PlatformDoc(n), "application/json", {id},
              {{"platforms/" + id, true}}};
    }
    if (roll < 11) {
      const std::string id = pick("p", 4);
      return {"delete platform", http::verb::delete_, "/v1/platforms/" + id, "", "", {id}, {{"platforms/" + id, false}}};
    }
    if (roll < 23) {
      const std::string id = pick("c", 8), platform = any_of(existing("platforms"), "p0");
      return {"put capability", http::verb::put, "/v1/capabilities/" + id, CapabilityJson(platform, Uniform(1, 5)),
              "application/json", {id}, {{"capabilities/" + id, true}}};
    }
    if (roll < 27) {
      const std::string id = pick("c", 8);
      return {"delete capability", http::verb::delete_, "/v1/capabilities/" + id, "", "", {id},
              {{"capabilities/" + id, false}}};
    }
    if (roll < 37) {
      const std::string id = pick("r", 8);
      return {"put request", http::verb::put, "/v1/requests/" + id, RequestJson(Uniform(1, 2)), "application/json", {id},
              {{"requests/" + id, true}}};
    }
    if (roll < 40) {
      const std::string id = pick("r", 8);
      return {"delete request", http::verb::delete_, "/v1/requests/" + id, "", "", {id}, {{"requests/" + id, false}}};
    }
    if (roll < 42) {
      const std::string id = pick("r", 8);
      return {"cancel request", http::verb::post, "/v1/requests/" + id + "/cancel", "{}", "application/json", {id}, {}};
    }
    if (roll < 56) {
      const std::string id = "h" + std::to_string(n), request = any_of(existing("requests", "status", "open"), "r0"),
                        capability = any_of(existing("capabilities"), "c0");
      const int seconds = Uniform(0, 3) == 0 ? 10 : 3600;  // some expire during the run
      return {"hold", http::verb::post, "/v1/reservations",
              R"({"request_id":")" + request + R"(","capability_id":")" + capability +
                  R"(","quantity":1,"hold_seconds":)" + std::to_string(seconds) + "}",
              "application/json", {id, request, capability}, {}};
    }
    if (roll < 66) {
      // Each action on a reservation it applies to, mostly.
      static const char* kActions[] = {"confirm", "cancel", "complete"};
      static const char* kFrom[] = {"held", "held", "confirmed"};
      const int a = Uniform(0, 2);
      const std::string action = kActions[a];
      const std::string id = any_of(existing("reservations", "status", kFrom[a]), "h0");
      return {action + " reservation", http::verb::post, "/v1/reservations/" + id + "/" + action, "{}",
              "application/json", {id}, {}};
    }
    if (roll < 84) return Bulk(state, n);
    if (roll < 88) {
      const std::string id = pick("s", 3);
      return {"put subscription", http::verb::put, "/v1/subscriptions/" + id,
              R"({"types":["request.created"],"min_score":0.)" + std::to_string(Uniform(1, 9)) + "}",
              "application/json", {id}, {{"subscriptions/" + id, true}}};
    }
    if (roll < 91) {
      const std::string id = pick("s", 3);
      return {"delete subscription", http::verb::delete_, "/v1/subscriptions/" + id, "", "", {id},
              {{"subscriptions/" + id, false}}};
    }
    if (roll < 96) {
      const std::string id = pick("k", 3);
      return {"create key", http::verb::post, "/v1/keys", R"({"name":")" + id + R"(","role":"agency"})",
              "application/json", {id}, {{"keys/" + id, true}}};
    }
    const std::string id = pick("k", 3);
    return {"delete key", http::verb::delete_, "/v1/keys/" + id, "", "", {id}, {{"keys/" + id, false}}};
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // A bulk body that names some ids more than once: a platform deleted and
  // put again with its capabilities, requests deleted and put again, put
  // and deleted, put, deleted and put.
  Operation Bulk(const State& state, int n) {
    Operation op{"bulk", http::verb::post, "/v1/bulk", "", "application/x-ndjson", {}, {}};
    auto line = [&](const std::string& verb, const std::string& type, const std::string& id, const std::string& doc) {
      op.body += R"({"op":")" + verb + R"(","type":")" + type + R"(","id":")" + id + "\"";
      if (!doc.empty()) op.body += ",\"doc\":" + doc;
      op.body += "}\n";
      op.ids.insert(id);
      const std::string kind = type == "capability" ? "capabilities" : type + "s";
      op.decides[kind + "/" + id] = verb == "put";  // the last line decides
    };
    std::set<std::string> live;  // requests and capabilities with live reservations: they cannot be deleted
    for (const auto& [key, json] : state) {
      const std::string status = TopField(json, "status");
      if (key.rfind("reservations/", 0) == 0 && (status == "held" || status == "confirmed")) {
        live.insert(TopField(json, "request_id"));
        live.insert(TopField(json, "capability_id"));
      }
    }
    const int shape = Uniform(0, 2);
    if (shape == 0) {  // re-create a platform with its capabilities
      const std::string p = "p" + std::to_string(Uniform(0, 3));
      std::vector<std::string> caps;
      for (const auto& [key, json] : state) {
        if (key.rfind("capabilities/", 0) == 0 && TopField(json, "platform_id") == p) caps.push_back(key.substr(13));
      }
      const bool exists = state.count("platforms/" + p) > 0;
      for (const auto& c : caps) {
        if (live.count(c)) return Operation{"put platform", http::verb::put, "/v1/platforms/" + p, PlatformDoc(n),
                                            "application/json", {p}, {{"platforms/" + p, true}}};
      }
      for (const auto& c : caps) line("delete", "capability", c, "");
      if (exists) line("delete", "platform", p, "");
      line("put", "platform", p, PlatformDoc(n));
      for (const auto& c : caps) line("put", "capability", c, CapabilityJson(p, Uniform(1, 5)));
      if (caps.empty()) line("put", "capability", "c" + std::to_string(Uniform(0, 7)), CapabilityJson(p, 2));
    } else {
      for (int k = Uniform(1, 4); k > 0; --k) {
        const std::string r = "r" + std::to_string(Uniform(0, 7));
        if (live.count(r) || op.body.find("\"" + r + "\"") != std::string::npos) continue;
        const bool exists = state.count("requests/" + r) > 0;
        if (exists && Uniform(0, 1) == 0) {
          line("delete", "request", r, "");
          line("put", "request", r, RequestJson(1));
        } else if (!exists) {
          line("put", "request", r, RequestJson(1));
          line("delete", "request", r, "");
          if (Uniform(0, 1) == 0) line("put", "request", r, RequestJson(2));
        } else {
          line("put", "request", r, RequestJson(Uniform(1, 2)));
        }
      }
    }
    return op;
  }

  std::mt19937_64 rng_;
  int counter_ = 0;
};

// Runs `op`; the status, or nullopt when the connection broke (the server
// was stopped under it).
std::optional<unsigned> Perform(std::uint16_t port, const Operation& op) {
  try {
    Client c(port);
    return c.Call(op.method, op.target, op.body, op.content_type).status;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<State> TryReadState(std::uint16_t port) {
  try {
    Client c(port);
    return ReadState(c);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void RunModel(ServerProcess& server);

TEST(RestartTest, RecoveredStateEqualsTheModel) {
  SCOPED_TRACE("seed " + std::to_string(g_flags.seed));
  TempDir dir;
  ServerProcess server(dir.path());
  try {
    RunModel(server);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << "; the server: " << server.Ended();
  }
}

void RunModel(ServerProcess& server) {
  ASSERT_TRUE(server.Start());
  {
    Client c(server.port());
    const Reply r = c.Put("/v1/subscriptions/all", "{}");
    ASSERT_EQ(r.status, 201u) << r.body;
  }
  Workload workload(g_flags.seed);
  std::mt19937_64 rng(g_flags.seed ^ 0x9e3779b97f4a7c15ull);
  EventLog log;
  State model = *TryReadState(server.port());
  int acknowledged = 0, refused = 0, uncertain = 0, kills = 0, terms = 0;
  std::map<std::string, std::map<unsigned, int>> statuses;  // operation -> status -> count

  for (int cycle = 0; cycle < g_flags.cycles; ++cycle) {
    const std::string when = "cycle " + std::to_string(cycle);
    // The stop: SIGKILL or SIGTERM, after a random number of operations,
    // sent while the next one is in flight.
    const int stop_after = std::uniform_int_distribution<int>(g_flags.ops / 2, g_flags.ops)(rng);
    const int signal = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? SIGTERM : SIGKILL;
    const int delay_us = std::uniform_int_distribution<int>(0, 3000)(rng);
    std::set<std::string> in_doubt;
    std::map<std::string, bool> must;  // what an acknowledged operation that was not read back decided
    for (int i = 0;; ++i) {
      const Operation op = workload.Next(model);
      std::thread stopper;
      if (i == stop_after) {
        stopper = std::thread([&] {
          std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
          server.Signal(signal);
        });
      }
      const std::optional<unsigned> status = Perform(server.port(), op);
      ++statuses[op.name][status.value_or(0)];
      std::optional<State> after = status ? TryReadState(server.port()) : std::nullopt;
      if (stopper.joinable()) stopper.join();
      if (!status || !after) {
        // Stopped under the operation (or under the read after it): the
        // operation may have happened or not.
        in_doubt = op.ids;
        if (!status) ++uncertain;
        if (status && *status < 300) ++acknowledged, must = op.decides;
        if (status && *status >= 300) ++refused;
        break;
      }
      if (*status >= 300) {
        ++refused;
        ASSERT_LT(*status, 500u) << op.name << " " << op.target << "\n" << op.body;
        ExpectSameState(model, *after, Naming(model, Expiring(model, Rfc3339(std::time(nullptr) + 2))),
                        when + ": refused " + op.name + " changed the state");
      } else {
        ++acknowledged;
      }
      model = std::move(*after);
      if (i == stop_after) break;  // the stop came after the operation and its read
      if (i % 10 == 0) log.Catch(server.port(), when);
    }
    const int exit_status = server.Stop(signal);  // waits for the exit (the signal was sent)
    signal == SIGKILL ? ++kills : ++terms;
    if (signal == SIGTERM && WIFEXITED(exit_status)) {
      EXPECT_EQ(WEXITSTATUS(exit_status), 0) << when << "\n" << server.Log();
    }
    // The directory as the stop left it: every invariant holds.
    auto verified = storage::Store::Verify(server.data_dir());
    ASSERT_TRUE(verified.ok()) << when << ": " << verified.status().ToString();
    EXPECT_TRUE(verified->problems.empty()) << when << ": " << verified->problems.front();

    ASSERT_TRUE(server.Start()) << when;
    std::optional<State> recovered = TryReadState(server.port());
    ASSERT_TRUE(recovered.has_value()) << when;
    std::set<std::string> loose = Naming(model, in_doubt);
    for (const auto& k : Naming(*recovered, in_doubt)) loose.insert(k);
    for (const auto& k : Naming(model, Expiring(model, Rfc3339(std::time(nullptr) + 2)))) loose.insert(k);
    const std::string stop = when + " (after " + (signal == SIGKILL ? "SIGKILL" : "SIGTERM") + ")";
    ExpectSameState(model, *recovered, loose, stop);
    for (const auto& [key, exists] : must) {
      EXPECT_EQ(recovered->count(key) > 0, exists) << stop << ": an acknowledged write of " << key << " was lost";
    }
    if (::testing::Test::HasFailure()) break;
    log.Catch(server.port(), when + " after restart", true);
    model = std::move(*recovered);
  }
  std::printf("restart test: seed %llu, %d cycles (%d SIGKILL, %d SIGTERM), %d acknowledged, %d refused, "
              "%d cut off, %zu events, %zu entities at the end\n",
              static_cast<unsigned long long>(g_flags.seed), kills + terms, kills, terms, acknowledged, refused,
              uncertain, log.events.size(), model.size());
  for (const auto& [name, counts] : statuses) {
    std::printf("  %-20s", name.c_str());
    for (const auto& [status, count] : counts) std::printf(" %u:%d", status, count);
    std::printf("\n");
  }
  EXPECT_GT(acknowledged, refused) << "a workload that is mostly refused tests little";
}

// What a reader saw stays after a crash: a reader that sees a bulk's
// entities is answered only once they are durable, so a SIGKILL at the
// moment it sees them loses none (before the read fence it saw them about a
// second before the write-ahead log had them).
TEST(RestartTest, WhatAReaderSawSurvivesAKill) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.Start());
  constexpr int kLines = 60000;
  std::string body;
  for (int i = 0; i < kLines; ++i) {
    body += R"({"op":"put","type":"request","id":"bulk-)" + std::to_string(i) + R"(","doc":)" + RequestJson(1) + "}\n";
  }
  const std::string last = "/v1/requests/bulk-" + std::to_string(kLines - 1);
  std::thread writer([&] { (void)Perform(server.port(), {"bulk", http::verb::post, "/v1/bulk", body, "application/x-ndjson", {}, {}}); });
  Client reader(server.port());
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (!seen && std::chrono::steady_clock::now() < deadline) seen = reader.Get(last).status == 200;
  server.Stop(SIGKILL);
  writer.join();
  ASSERT_TRUE(seen) << "the bulk never became visible";
  ASSERT_TRUE(server.Start());
  Client after(server.port());
  EXPECT_EQ(after.Get(last).status, 200u) << "a reader saw " << last << ", then a crash undid it";
}

// biomatchd runs itself again with glibc's malloc asking for huge pages
// (server/src/main.cc), unless the operator's GLIBC_TUNABLES chose.
TEST(RestartTest, TheServerAsksForHugePagesUnlessToldOtherwise) {
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
  for (const char* tunables : {"", "glibc.malloc.hugetlb=0"}) {
    SCOPED_TRACE(tunables);
    ::setenv("GLIBC_TUNABLES", tunables, 1);
    TempDir dir;
    ServerProcess server(dir.path());
    ASSERT_TRUE(server.Start());
    EXPECT_EQ(server.Environment("GLIBC_TUNABLES"), std::string(*tunables ? tunables : "glibc.malloc.hugetlb=1"));
    EXPECT_EQ(Client(server.port()).Get("/healthz").status, 200u);
  }
  if (saved) {
    ::setenv("GLIBC_TUNABLES", saved->c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
}

}  // namespace
}  // namespace biomatch::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) { return std::stoll(arg.substr(std::string(name).size())); };
    if (arg.rfind("--seed=", 0) == 0) biomatch::testing::g_flags.seed = static_cast<std::uint64_t>(value("--seed="));
    else if (arg.rfind("--cycles=", 0) == 0) biomatch::testing::g_flags.cycles = static_cast<int>(value("--cycles="));
    else if (arg.rfind("--ops=", 0) == 0) biomatch::testing::g_flags.ops = static_cast<int>(value("--ops="));
    else {
      std::fprintf(stderr, "unknown flag %s (--seed=N --cycles=N --ops=N)\n", arg.c_str());
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
