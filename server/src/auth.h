// API keys and roles. Tokens are random ("bm_" + 64 hex digits), shown once;
// only their SHA-256 is kept, in memory and in storage. A deleted key stops
// working at once.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/status.h"

namespace biomatch::server {

// Persisted by value: never renumber.
enum class Role : std::uint8_t { kAdmin = 0, kPortal = 1, kAgency = 2, kSupervisor = 3 };
std::string_view ToString(Role r);
std::optional<Role> ParseRole(std::string_view s);

// What a route needs of the caller.
enum class Permission : std::uint8_t {
  kRead,    // any role (keys excepted, which need kAdmin)
  kWrite,   // admin, portal: platforms, capabilities, requests, reservations
  kAgency,  // admin, agency: writing subscriptions, the stream
  kReadSubscriptions,  // admin, agency (its own), supervisor
  kAdmin,   // admin: keys, checkpoints
};
bool Allows(Role role, Permission permission);

struct ApiKey {
  std::string name;
  Role role = Role::kPortal;
  std::string token_hash;  // hex SHA-256 of the token
};

// The stored form of a key: "<role>:<hash>".
std::string EncodeKey(const ApiKey& key);
engine::Status DecodeKey(std::string name, std::string_view value, ApiKey* key);

// The token of an Authorization header value "Bearer <token>", the scheme in
// any case (RFC 9110 11.1); empty for another scheme or no token.
std::string_view BearerToken(std::string_view authorization);

std::string HashToken(std::string_view token);
std::string NewToken();

class KeyRing {
 public:
  // The key whose token this is, compared in constant time.
  std::optional<ApiKey> Authenticate(std::string_view token) const;
  void Put(ApiKey key);
  bool Remove(std::string_view name);
  std::optional<ApiKey> Find(std::string_view name) const;
  std::vector<ApiKey> List() const;  // by name

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, ApiKey, std::less<>> by_name_;  // GUARDED_BY(mu_)
  std::map<std::string, std::string, std::less<>> name_by_hash_;  // GUARDED_BY(mu_)
};

}  // namespace biomatch::server
