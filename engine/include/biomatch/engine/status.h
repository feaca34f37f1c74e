// Status: the outcome of an engine or storage operation.
//
// A Status is either OK or carries a code, a human-readable message and, for
// validation errors, the offending field as a JSON-style path
// ("window.deadline", "slots[2].end"). Codes map one to one onto the API's
// error codes; the server owns the single table that maps them to HTTP
// statuses and WebSocket close codes.
//
// Value type: copyable on purpose, cheap to move. Not thread safe beyond that.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace biomatch::engine {

// Persisted in nothing; the order is free to change.
enum class StatusCode {
  kOk,
  kMalformed,           // the input is not well-formed (JSON syntax, UTF-8)
  kInvalidArgument,     // a field is missing, malformed or out of range
  kNotFound,            // the named entity does not exist
  kConflict,            // the change contradicts current state (409)
  kPreconditionFailed,  // If-Match did not match (412)
  kUnavailable,         // overloaded or shutting down: retry later (503)
  kCorruption,          // stored data cannot be decoded
  kIoError,             // the disk or the OS failed
  kInternal,            // a bug or an unexpected state
};

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string field, std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field));
  }
  static Status Malformed(std::string message) {
    return Status(StatusCode::kMalformed, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status Conflict(std::string message) {
    return Status(StatusCode::kConflict, std::move(message));
  }
  static Status PreconditionFailed(std::string message) {
    return Status(StatusCode::kPreconditionFailed, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status IoError(std::string message) {
    return Status(StatusCode::kIoError, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The offending field for kInvalidArgument; empty otherwise.
  const std::string& field() const { return field_; }

  // "invalid_argument: window.deadline: deadline is before earliest_start".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

// The API's name for a code: "invalid_argument", "not_found", ...
std::string_view StatusCodeName(StatusCode code);

// Result<T>: a T or a non-OK Status. NotFound is a Status, never an empty T.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)), has_value_(true) {}  // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {}            // NOLINT: implicit on purpose

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  // REQUIRES: ok().
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }

 private:
  T value_{};
  Status status_;
  bool has_value_ = false;
};

}  // namespace biomatch::engine
