// RFC 6455 framing as a stream's server side needs it, without sockets: the
// header of the frames the server sends (final, unmasked) and WsFrameReader,
// which turns a client's bytes into messages and control frames and judges
// them (RFC 6455 5.1-5.5, 7.4, 8.1):
//
//   frame   = byte0 byte1 [length16 | length64] mask(4) payload
//   byte0   = FIN(1) RSV1-3(3, all 0: no extensions) opcode(4)
//   byte1   = MASK(1, always 1 from a client) length7 (126: 16-bit, 127: 64-bit follows)
//   message = data frame (text|binary, FIN 0) *continuation (FIN 0) continuation (FIN 1)
//           | data frame (FIN 1)
//
// Control frames (close, ping, pong) have at most 125 bytes, are never
// fragmented and may come between a message's fragments.
//
// Thread safety: a WsFrameReader is used by one thread at a time; the free
// functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "close_codes.h"

namespace biomatch::server {

// RFC 6455 opcodes.
enum WsOpcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Writes the header of a final, unmasked frame of `length` payload bytes to
// `header`; returns its size in bytes (2, 4 or 10).
std::size_t WsFrameHeader(std::uint8_t opcode, std::uint64_t length, std::array<std::uint8_t, 10>* header);

// Checks UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
// U+10FFFF) fed in pieces that may split a character.
class Utf8Validator {
 public:
  // False once the bytes so far cannot begin valid UTF-8.
  bool Feed(std::string_view bytes);
  // True when the bytes so far end on a whole character.
  bool Complete() const { return need_ == 0; }
  void Reset() { need_ = 0; }

 private:
  int need_ = 0;  // continuation bytes still expected
  std::uint8_t low_ = 0x80, high_ = 0xBF;  // the range of the next one
};

// RFC 6455 7.4: may a peer send this close code?
bool IsValidCloseCode(std::uint16_t code);

// Reads a client's frames from the bytes it sent, in order.
class WsFrameReader {
 public:
  // What the client did wrong: the code to close with and why (static text,
  // the close frame's reason).
  struct Violation {
    CloseCode code;
    std::string_view why;
  };

  enum class Kind {
    kNeedMore,  // no whole message or control frame yet
    kText,      // a whole text message (UTF-8), its fragments joined
    kBinary,    // a whole binary message, its fragments joined
    kPing,
    kPong,
    kClose,     // the client's close; `violation` set when its payload is invalid
    kError,     // a protocol violation, in `violation`
  };

  struct Result {
    Kind kind = Kind::kNeedMore;
    // Bytes of the input used up, whatever the kind: the caller drops them
    // before it calls Read again. After an error whose frame could not be
    // delimited (a bad header), all of the input.
    std::size_t consumed = 0;
    // The message or the control frame's payload, unmasked. Valid until the
    // next call of Read.
    std::string_view payload;
    std::optional<Violation> violation;
  };

  // `max_message`: the bytes a client's message may have, all its fragments
  // together; a frame that would pass it is an error (1009), judged from its
  // header before its payload arrives.
  explicit WsFrameReader(std::size_t max_message) : max_message_(max_message) {}
  WsFrameReader(const WsFrameReader&) = delete;
  WsFrameReader& operator=(const WsFrameReader&) = delete;

  // Reads frames from the front of `bytes` until one completes a message, a
  // control frame is whole, the client broke the protocol, or the bytes run
  // out (kNeedMore; a message's fragments read so far are kept). After an
  // error the message in progress is dropped and reading starts afresh on
  // the next bytes given, so that the client's answer to our close is seen.
  Result Read(std::string_view bytes);

 private:
  Result Fail(std::size_t consumed, CloseCode code, std::string_view why);

  const std::size_t max_message_;
  // The fragmented message in progress: its opcode (0: none), its bytes so
  // far and, for text, their UTF-8 state.
  std::uint8_t message_opcode_ = 0;
  std::string message_;
  Utf8Validator utf8_;
  std::string control_;  // the payload of the last control frame read
};

}  // namespace biomatch::server
