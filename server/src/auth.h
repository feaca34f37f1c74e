// API keys and roles. Tokens are random ("bm_" + 64 hex digits), shown once;
// only their SHA-256 is kept, in memory and in storage. A deleted key stops
// working at once.
//
// A key has a name (chosen by the admin, reusable once the key is deleted)
// and an identity (`id`, made by the server, never reused): what a key owns
// (subscriptions, streams) belongs to its identity, so a key re-created with
// a deleted key's name owns nothing of the old one.
//
// Storage form of a key record (key: its name, family kApiKeys):
//   value  := role ":" hash [ ":" id ]
//   role   := "admin" | "portal" | "agency" | "supervisor"
//   hash   := 64 hex digits (SHA-256 of the token)
//   id     := "k_" 32 hex digits (random)
// Records written before identities existed have no id: their identity is
// their name (which can never look like "k_...": names have no '_').
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
  kStats,   // admin, agency, supervisor: statistics (not portal)
  kAdmin,   // admin: keys, checkpoints
};
bool Allows(Role role, Permission permission);

struct ApiKey {
  std::string name;
  Role role = Role::kPortal;
  std::string token_hash;  // hex SHA-256 of the token
  std::string id;          // the key's identity: NewKeyId(), or the name of a record without one
};

// The stored form of a key (the grammar above).
std::string EncodeKey(const ApiKey& key);
engine::Status DecodeKey(std::string name, std::string_view value, ApiKey* key);

// The token of an Authorization header value "Bearer <token>", the scheme in
// any case (RFC 9110 11.1); empty for another scheme or no token.
std::string_view BearerToken(std::string_view authorization);

std::string HashToken(std::string_view token);
// The SHA-256 of `data` in lower-case hex.
std::string Sha256Hex(std::string_view data);
// `bytes` random bytes in lower-case hex.
std::string RandomHex(std::size_t bytes);
std::string NewToken();
// A new key identity: "k_" + 32 random hex digits.
std::string NewKeyId();

class KeyRing {
 public:
  // The key whose token this is, compared in constant time.
  std::optional<ApiKey> Authenticate(std::string_view token) const;
  void Put(ApiKey key);
  bool Remove(std::string_view name);
  std::optional<ApiKey> Find(std::string_view name) const;
  // Whether `key` is still a key: its name is there with its identity.
  bool Exists(const ApiKey& key) const;
  std::vector<ApiKey> List() const;  // by name

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, ApiKey, std::less<>> by_name_;  // GUARDED_BY(mu_)
  std::map<std::string, std::string, std::less<>> name_by_hash_;  // GUARDED_BY(mu_)
};

}  // namespace biomatch::server
