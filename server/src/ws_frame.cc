#include "ws_frame.h"

namespace biomatch::server {
namespace {

WsFrameReader::Result Found(WsFrameReader::Kind kind, std::size_t consumed, std::string_view payload = {}) {
  WsFrameReader::Result r;
  r.kind = kind;
  r.consumed = consumed;
  r.payload = payload;
  return r;
}

}  // namespace

std::size_t WsFrameHeader(std::uint8_t opcode, std::uint64_t length, std::array<std::uint8_t, 10>* header) {
  std::array<std::uint8_t, 10>& h = *header;
  h[0] = static_cast<std::uint8_t>(0x80 | opcode);
  if (length < 126) {
    h[1] = static_cast<std::uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    h[1] = 126;
    h[2] = static_cast<std::uint8_t>(length >> 8);
    h[3] = static_cast<std::uint8_t>(length);
    return 4;
  }
  h[1] = 127;
  for (std::size_t i = 0; i < 8; ++i) h[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
  return 10;
}

bool Utf8Validator::Feed(std::string_view bytes) {
  for (const char ch : bytes) {
    const auto c = static_cast<std::uint8_t>(ch);
    if (need_ > 0) {
      if (c < low_ || c > high_) return false;
      --need_;
      low_ = 0x80;
      high_ = 0xBF;
      continue;
    }
    if (c < 0x80) continue;
    if (c >= 0xC2 && c <= 0xDF) {
      need_ = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need_ = 2;
      if (c == 0xE0) low_ = 0xA0;   // overlong
      if (c == 0xED) high_ = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      need_ = 3;
      if (c == 0xF0) low_ = 0x90;   // overlong
      if (c == 0xF4) high_ = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
  }
  return true;
}

bool IsValidCloseCode(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

WsFrameReader::Result WsFrameReader::Fail(std::size_t consumed, CloseCode code, std::string_view why) {
  message_opcode_ = 0;
  message_.clear();
  Result r = Found(Kind::kError, consumed);
  r.violation = Violation{code, why};
  return r;
}

WsFrameReader::Result WsFrameReader::Read(std::string_view bytes) {
  std::size_t used = 0;  // bytes of whole frames read by this call
  for (;;) {
    const std::string_view rest = bytes.substr(used);
    const auto* p = reinterpret_cast<const std::uint8_t*>(rest.data());
    if (rest.size() < 2) return Found(Kind::kNeedMore, used);
    const std::uint8_t opcode = p[0] & 0x0F;
    const bool fin = (p[0] & 0x80) != 0;
    const bool control = (opcode & 0x8) != 0;
    // A bad header leaves no way to find the next frame: everything goes.
    if ((p[0] & 0x70) != 0) return Fail(bytes.size(), CloseCode::kProtocolError, "reserved bits set");
    if (opcode != kContinuation && opcode != kText && opcode != kBinary && opcode != kClose && opcode != kPing &&
        opcode != kPong) {
      return Fail(bytes.size(), CloseCode::kProtocolError, "unknown opcode");
    }
    if ((p[1] & 0x80) == 0) return Fail(bytes.size(), CloseCode::kProtocolError, "client frames must be masked");
    std::uint64_t length = p[1] & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      if (rest.size() < 4) return Found(Kind::kNeedMore, used);
      length = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
      header = 4;
    } else if (length == 127) {
      if (rest.size() < 10) return Found(Kind::kNeedMore, used);
      length = 0;
      for (std::size_t i = 0; i < 8; ++i) length = length << 8 | p[2 + i];
      header = 10;
    }
    if (control && (length > 125 || !fin)) {
      return Fail(bytes.size(), CloseCode::kProtocolError, "malformed control frame");
    }
    if (opcode == kContinuation && message_opcode_ == 0) {
      return Fail(bytes.size(), CloseCode::kProtocolError, "continuation of no message");
    }
    if ((opcode == kText || opcode == kBinary) && message_opcode_ != 0) {
      return Fail(bytes.size(), CloseCode::kProtocolError, "expected a continuation frame");
    }
    const std::size_t so_far = opcode == kContinuation ? message_.size() : 0;
    if (!control && length > max_message_ - so_far) {
      return Fail(bytes.size(), CloseCode::kMessageTooBig, "message too big");
    }
    header += 4;  // the mask
    if (rest.size() < header || rest.size() - header < length) return Found(Kind::kNeedMore, used);
    const std::uint8_t* mask = p + header - 4;
    const std::string_view masked = rest.substr(header, static_cast<std::size_t>(length));
    used += header + masked.size();

    std::string* out = control ? &control_ : &message_;
    if (control) {
      out->clear();
    } else if (opcode != kContinuation) {
      message_opcode_ = opcode;
      message_.clear();
      utf8_.Reset();
    }
    const std::size_t start = out->size();
    out->resize(start + masked.size());
    for (std::size_t i = 0; i < masked.size(); ++i) {
      (*out)[start + i] = static_cast<char>(static_cast<std::uint8_t>(masked[i]) ^ mask[i % 4]);
    }
    const std::string_view payload = std::string_view(*out).substr(start);

    switch (opcode) {
      case kPing:
        return Found(Kind::kPing, used, control_);
      case kPong:
        return Found(Kind::kPong, used, control_);
      case kClose: {
        Result close = Found(Kind::kClose, used, control_);
        // RFC 6455 5.5.1 and 7.4: no payload, or a valid code and a UTF-8 reason.
        if (payload.size() == 1) {
          close.violation = Violation{CloseCode::kProtocolError, "close payload of one byte"};
        } else if (payload.size() >= 2) {
          const auto code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                                       static_cast<std::uint8_t>(payload[1]));
          Utf8Validator reason;
          if (!IsValidCloseCode(code)) {
            close.violation = Violation{CloseCode::kProtocolError, "invalid close code"};
          } else if (!reason.Feed(payload.substr(2)) || !reason.Complete()) {
            close.violation = Violation{CloseCode::kInvalidPayload, "close reason is not UTF-8"};
          }
        }
        return close;
      }
      default:  // a data frame of the message in progress
        if (message_opcode_ == kText && (!utf8_.Feed(payload) || (fin && !utf8_.Complete()))) {
          return Fail(used, CloseCode::kInvalidPayload, "text is not UTF-8");
        }
        if (!fin) continue;
        const Kind kind = message_opcode_ == kText ? Kind::kText : Kind::kBinary;
        message_opcode_ = 0;
        return Found(kind, used, message_);
    }
  }
}

}  // namespace biomatch::server
