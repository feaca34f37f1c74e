#include "auth.h"

#include <array>
#include <mutex>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace biomatch::server {
namespace {

constexpr std::array<std::string_view, 4> kRoleNames = {"admin", "portal", "agency", "supervisor"};

std::string Hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

}  // namespace

std::string_view ToString(Role r) { return kRoleNames[static_cast<std::size_t>(r)]; }

std::optional<Role> ParseRole(std::string_view s) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == s) return static_cast<Role>(i);
  }
  return std::nullopt;
}

bool Allows(Role role, Permission permission) {
  switch (permission) {
    case Permission::kRead: return true;
    case Permission::kWrite: return role == Role::kAdmin || role == Role::kPortal;
    case Permission::kAgency: return role == Role::kAdmin || role == Role::kAgency;
    case Permission::kReadSubscriptions: return role != Role::kPortal;
    case Permission::kStats: return role != Role::kPortal;
    case Permission::kAdmin: return role == Role::kAdmin;
  }
  return false;
}

std::string EncodeKey(const ApiKey& key) {
  std::string v(ToString(key.role));
  v += ':';
  v += key.token_hash;
  v += ':';
  v += key.id;
  return v;
}

engine::Status DecodeKey(std::string name, std::string_view value, ApiKey* key) {
  const std::size_t colon = value.find(':');
  const auto role = colon == std::string_view::npos ? std::nullopt : ParseRole(value.substr(0, colon));
  const std::string_view rest = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
  const std::size_t id_colon = rest.find(':');
  if (!role || rest.empty() || id_colon + 1 == rest.size()) {
    return engine::Status::Corruption("stored key " + name + " is malformed");
  }
  key->token_hash = std::string(rest.substr(0, id_colon));
  key->id = id_colon == std::string_view::npos ? name : std::string(rest.substr(id_colon + 1));
  key->name = std::move(name);
  key->role = *role;
  return engine::Status::Ok();
}

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ') return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if ((authorization[i] | 0x20) != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  return Hex(digest, n);
}

std::string HashToken(std::string_view token) { return Sha256Hex(token); }

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) std::abort();  // no entropy: nothing safe to do
  return Hex(raw.data(), raw.size());
}

std::string NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: nothing safe to do
  return "bm_" + Hex(bytes, sizeof bytes);
}

std::string NewKeyId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: nothing safe to do
  return "k_" + Hex(bytes, sizeof bytes);
}

std::optional<ApiKey> KeyRing::Authenticate(std::string_view token) const {
  const std::string hash = HashToken(token);
  std::shared_lock lock(mu_);
  const auto it = name_by_hash_.find(hash);
  if (it == name_by_hash_.end()) return std::nullopt;
  const ApiKey& key = by_name_.find(it->second)->second;
  // The map lookup compared digests; compare once more in constant time.
  if (key.token_hash.size() != hash.size() || CRYPTO_memcmp(key.token_hash.data(), hash.data(), hash.size()) != 0) {
    return std::nullopt;
  }
  return key;
}

void KeyRing::Put(ApiKey key) {
  std::unique_lock lock(mu_);
  if (auto it = by_name_.find(key.name); it != by_name_.end()) name_by_hash_.erase(it->second.token_hash);
  name_by_hash_[key.token_hash] = key.name;
  by_name_[key.name] = std::move(key);
}

bool KeyRing::Remove(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return false;
  name_by_hash_.erase(it->second.token_hash);
  by_name_.erase(it);
  return true;
}

std::optional<ApiKey> KeyRing::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

bool KeyRing::Exists(const ApiKey& key) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(key.name);
  return it != by_name_.end() && it->second.id == key.id;
}

std::vector<ApiKey> KeyRing::List() const {
  std::shared_lock lock(mu_);
  std::vector<ApiKey> out;
  for (const auto& [name, key] : by_name_) out.push_back(key);
  return out;
}

}  // namespace biomatch::server
