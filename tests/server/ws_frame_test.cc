// RFC 6455 framing without sockets: the frame reader on the bytes a client
// may send (masking, lengths, fragmentation, control frames, every close
// path: 1002, 1007, 1009), the server's frame headers, UTF-8 and close codes.
#include "ws_frame.h"

#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace biomatch::server {
namespace {

using Kind = WsFrameReader::Kind;

struct FrameSpec {
  std::uint8_t opcode = kText;
  std::string payload;
  bool fin = true;
  bool masked = true;
  std::uint8_t rsv = 0;        // the three reserved bits, 0 to 7
  int length_bytes = 0;        // 0: the shortest encoding; else 2 or 8
};

// A client frame as it goes on the wire.
std::string Frame(const FrameSpec& f) {
  static constexpr std::array<std::uint8_t, 4> kMask = {0x37, 0xfa, 0x21, 0x3d};
  std::string out;
  out += static_cast<char>((f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode);
  const std::uint8_t mask_bit = f.masked ? 0x80 : 0;
  const std::size_t n = f.payload.size();
  if (f.length_bytes == 8) {
    out += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i) out += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF);
  } else if (f.length_bytes == 2 || n >= 126) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | n);
  }
  if (!f.masked) return out + f.payload;
  for (const std::uint8_t m : kMask) out += static_cast<char>(m);
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(static_cast<std::uint8_t>(f.payload[i]) ^ kMask[i % 4]);
  return out;
}

std::string Text(std::string payload, bool fin = true) { return Frame({kText, std::move(payload), fin}); }
std::string Binary(std::string payload, bool fin = true) { return Frame({kBinary, std::move(payload), fin}); }
std::string More(std::string payload, bool fin) { return Frame({kContinuation, std::move(payload), fin}); }
std::string Control(std::uint8_t opcode, std::string payload) { return Frame({opcode, std::move(payload)}); }
std::string ClosePayload(std::uint16_t code, std::string_view reason = "") {
  std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return p += reason;
}

// What a reader makes of a byte stream, the way a session drives it: each
// result's bytes dropped, until it needs more. Errors become their close
// code's number in `error`.
struct Seen {
  Kind kind;
  std::string payload;
  int error = 0;  // the violation's close code, 0 if none
};

std::vector<Seen> ReadAll(WsFrameReader& reader, std::string bytes) {
  std::vector<Seen> seen;
  for (;;) {
    const WsFrameReader::Result r = reader.Read(bytes);
    EXPECT_LE(r.consumed, bytes.size());
    bytes.erase(0, r.consumed);
    if (r.kind == Kind::kNeedMore) return seen;
    seen.push_back({r.kind, std::string(r.payload), r.violation ? CloseNumber(r.violation->code) : 0});
  }
}

// The close code the reader closes with on `bytes`, 0 if it finds nothing wrong.
int ErrorOf(std::string bytes, std::size_t max_message = 4096) {
  WsFrameReader reader(max_message);
  for (const Seen& s : ReadAll(reader, std::move(bytes))) {
    if (s.error != 0) return s.error;
  }
  return 0;
}

TEST(WsFrameReaderTest, UnmasksAWholeTextMessage) {
  WsFrameReader reader(4096);
  const std::string bytes = Text("华西 GLP");
  const WsFrameReader::Result r = reader.Read(bytes);
  EXPECT_EQ(r.kind, Kind::kText);
  EXPECT_EQ(r.payload, "华西 GLP");
  EXPECT_EQ(r.consumed, bytes.size());
  EXPECT_FALSE(r.violation);
}

TEST(WsFrameReaderTest, NeedsMoreUntilAFrameIsWhole) {
  // 7-bit, 16-bit and 64-bit lengths (the last two also where shorter would do).
  for (const std::string& frame : {Text("short"), Text(std::string(300, 'x')),
                                   Frame({kBinary, "abc", true, true, 0, 2}),
                                   Frame({kText, std::string(200, 'y'), true, true, 0, 8})}) {
    for (std::size_t cut = 0; cut < frame.size(); ++cut) {
      WsFrameReader reader(4096);
      const WsFrameReader::Result r = reader.Read(std::string_view(frame).substr(0, cut));
      ASSERT_EQ(r.kind, Kind::kNeedMore) << "cut at " << cut << " of " << frame.size();
      EXPECT_EQ(r.consumed, 0u);
    }
    WsFrameReader reader(4096);
    EXPECT_EQ(reader.Read(frame).consumed, frame.size());
  }
}

TEST(WsFrameReaderTest, UnmaskedClientFramesAre1002) {
  EXPECT_EQ(ErrorOf(Frame({kText, "hello", true, false})), 1002);
  EXPECT_EQ(ErrorOf(Frame({kPing, "", true, false})), 1002);
  // Judged from the header alone, and nothing after it is trusted.
  WsFrameReader reader(4096);
  const std::string bytes = Frame({kText, "hello", true, false}) + Control(kPing, "p");
  const WsFrameReader::Result r = reader.Read(std::string_view(bytes).substr(0, 2));
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(r.violation->why, "client frames must be masked");
  EXPECT_EQ(reader.Read(bytes).consumed, bytes.size());
}

TEST(WsFrameReaderTest, ReservedBitsAndUnknownOpcodesAre1002) {
  for (std::uint8_t rsv = 1; rsv < 8; ++rsv) {
    EXPECT_EQ(ErrorOf(Frame({kText, "x", true, true, rsv})), 1002) << "reserved bits " << int{rsv};
  }
  for (const int opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(ErrorOf(Frame({static_cast<std::uint8_t>(opcode), "x"})), 1002) << "opcode " << opcode;
  }
}

TEST(WsFrameReaderTest, JoinsFragmentsIntoOneMessage) {
  WsFrameReader reader(4096);
  const std::vector<Seen> seen = ReadAll(reader, Text("he", false) + More("", false) + More("ll", false) +
                                                     More("o", true) + Binary(std::string("\xff\x00", 2), true));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Kind::kText);
  EXPECT_EQ(seen[0].payload, "hello");
  EXPECT_EQ(seen[1].kind, Kind::kBinary);
  EXPECT_EQ(seen[1].payload, std::string("\xff\x00", 2));

  // Fragments arriving one read at a time: each is taken, the message waits.
  WsFrameReader split(4096);
  const std::string first = Text("ab", false);
  const WsFrameReader::Result r1 = split.Read(first);
  EXPECT_EQ(r1.kind, Kind::kNeedMore);
  EXPECT_EQ(r1.consumed, first.size());
  const std::string last = More("cd", true);
  const WsFrameReader::Result r2 = split.Read(last);
  EXPECT_EQ(r2.kind, Kind::kText);
  EXPECT_EQ(r2.payload, "abcd");
}

TEST(WsFrameReaderTest, ContinuationOfNoMessageIs1002) {
  EXPECT_EQ(ErrorOf(More("x", true)), 1002);
  EXPECT_EQ(ErrorOf(More("x", false)), 1002);
  EXPECT_EQ(ErrorOf(Text("done") + More("x", true)), 1002) << "after a whole message";
}

TEST(WsFrameReaderTest, NewDataFrameInsideAFragmentedMessageIs1002) {
  EXPECT_EQ(ErrorOf(Text("a", false) + Text("b", true)), 1002);
  EXPECT_EQ(ErrorOf(Text("a", false) + Binary("b", true)), 1002);
  EXPECT_EQ(ErrorOf(Binary("a", false) + Control(kPing, "") + Text("b", false)), 1002);
}

TEST(WsFrameReaderTest, ControlFramesMayComeBetweenFragments) {
  WsFrameReader reader(4096);
  const std::vector<Seen> seen = ReadAll(reader, Text("a", false) + Control(kPing, "p1") + More("b", false) +
                                                     Control(kPong, "q") + More("c", true) + Text("a", false) +
                                                     Control(kClose, ClosePayload(1000, "bye")));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].kind, Kind::kPing);
  EXPECT_EQ(seen[0].payload, "p1");
  EXPECT_EQ(seen[1].kind, Kind::kPong);
  EXPECT_EQ(seen[1].payload, "q");
  EXPECT_EQ(seen[2].kind, Kind::kText);
  EXPECT_EQ(seen[2].payload, "abc") << "the pings did not disturb the message";
  EXPECT_EQ(seen[3].kind, Kind::kClose);
  EXPECT_EQ(seen[3].payload, ClosePayload(1000, "bye"));
  EXPECT_EQ(seen[3].error, 0);
}

TEST(WsFrameReaderTest, ControlFramesOver125BytesOrFragmentedAre1002) {
  EXPECT_EQ(ErrorOf(Control(kPing, std::string(125, 'p'))), 0);
  for (const std::uint8_t opcode : {kPing, kPong, kClose}) {
    EXPECT_EQ(ErrorOf(Control(opcode, std::string(126, 'p'))), 1002) << "opcode " << int{opcode};
    EXPECT_EQ(ErrorOf(Frame({opcode, "", false})), 1002) << "fragmented, opcode " << int{opcode};
  }
}

TEST(WsFrameReaderTest, TextThatIsNotUtf8Is1007) {
  for (const std::string& bad : {std::string("\xff\xfe"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                 std::string("\xf4\x90\x80\x80"), std::string("ok\xe5\x8d")}) {
    EXPECT_EQ(ErrorOf(Text(bad)), 1007) << bad.size() << " bytes";
    EXPECT_EQ(ErrorOf(Binary(bad)), 0) << "binary is not text";
  }
  // 华 (E5 8D 8E) split across fragments is valid; a message ending inside a
  // character is not, nor is a bad byte in an early fragment.
  EXPECT_EQ(ErrorOf(Text("\xe5\x8d", false) + More("\x8e", true)), 0);
  EXPECT_EQ(ErrorOf(Text("\xe5\x8d", false) + More("", true)), 1007);
  EXPECT_EQ(ErrorOf(Text("\xff", false)), 1007) << "judged fragment by fragment";
}

TEST(WsFrameReaderTest, MessageOverTheLimitIs1009) {
  EXPECT_EQ(ErrorOf(Text(std::string(16, 'x')), 16), 0);
  EXPECT_EQ(ErrorOf(Text(std::string(17, 'x')), 16), 1009);
  EXPECT_EQ(ErrorOf(Text(std::string(10, 'x'), false) + More(std::string(6, 'x'), true), 16), 0);
  EXPECT_EQ(ErrorOf(Text(std::string(10, 'x'), false) + More(std::string(7, 'x'), true), 16), 1009);
  EXPECT_EQ(ErrorOf(Control(kPing, std::string(100, 'p')), 16), 0) << "control frames are not messages";
  // Judged from the header, before the payload comes: a client cannot make
  // the server wait for (or buffer) 2^62 bytes.
  WsFrameReader reader(4096);
  std::string huge = Frame({kBinary, "", true, true, 0, 8});
  huge[2] = 0x40;  // length 2^62
  const WsFrameReader::Result r = reader.Read(huge);
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(CloseNumber(r.violation->code), 1009);
}

TEST(WsFrameReaderTest, ClosePayloadsAreEmptyOrAValidCodeAndUtf8) {
  struct Case {
    std::string payload;
    int error;
  };
  for (const Case& c : {Case{"", 0}, Case{ClosePayload(1000), 0}, Case{ClosePayload(4999, "bye 再见"), 0},
                        Case{"\x03", 1002}, Case{ClosePayload(1005), 1002}, Case{ClosePayload(999), 1002},
                        Case{ClosePayload(65535), 1002}, Case{ClosePayload(2000), 1002},
                        Case{ClosePayload(1000, "\xc0\xaf"), 1007}}) {
    WsFrameReader reader(4096);
    const std::vector<Seen> seen = ReadAll(reader, Control(kClose, c.payload));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Kind::kClose) << "a close, even an invalid one, is the client's close";
    EXPECT_EQ(seen[0].payload, c.payload);
    EXPECT_EQ(seen[0].error, c.error) << c.payload.size() << " bytes";
  }
}

// A session closes on an error and reads on for the client's close: the
// reader starts afresh after the bad frame (when its end is known).
TEST(WsFrameReaderTest, ReadsTheClientsCloseAfterAnError) {
  WsFrameReader reader(4096);
  std::vector<Seen> seen = ReadAll(reader, Text("a", false) + Text("b", true) + Control(kClose, ""));
  ASSERT_EQ(seen.size(), 1u) << "after a bad header the rest of the bytes given is dropped";
  EXPECT_EQ(seen[0].error, 1002);
  seen = ReadAll(reader, Control(kClose, ""));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Kind::kClose) << "the next bytes are read afresh";
  EXPECT_EQ(seen[0].error, 0);

  seen = ReadAll(reader, Text("\xff") + Control(kClose, ClosePayload(1007)));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].error, 1007);
  EXPECT_EQ(seen[1].kind, Kind::kClose) << "a frame after a bad payload is read";

  seen = ReadAll(reader, Text("a", false) + Text("\xff", false));
  ASSERT_EQ(seen.size(), 1u);
  seen = ReadAll(reader, Text("new message"));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Kind::kText) << "the abandoned message is forgotten";
}

TEST(WsFrameHeaderTest, UsesTheShortestLength) {
  struct Case {
    std::uint64_t length;
    std::vector<std::uint8_t> header;
  };
  for (const Case& c : {Case{0, {0x81, 0}}, Case{125, {0x81, 125}}, Case{126, {0x81, 126, 0, 126}},
                        Case{65535, {0x81, 126, 0xFF, 0xFF}},
                        Case{65536, {0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}}}) {
    std::array<std::uint8_t, 10> header{};
    const std::size_t n = WsFrameHeader(kText, c.length, &header);
    EXPECT_EQ(std::vector<std::uint8_t>(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(n)), c.header)
        << c.length;
  }
}

TEST(Utf8ValidatorTest, AcceptsUtf8InAnyPiecesAndNothingElse) {
  for (const std::string& good : {std::string(""), std::string("plain"), std::string("华西 GLP"),
                                  std::string("\xf0\x9f\x94\xac"), std::string("\xf4\x8f\xbf\xbf")}) {
    for (std::size_t cut = 0; cut <= good.size(); ++cut) {
      Utf8Validator v;
      EXPECT_TRUE(v.Feed(good.substr(0, cut)) && v.Feed(good.substr(cut)) && v.Complete()) << good << " cut at " << cut;
    }
  }
  for (const std::string& bad : {std::string("\x80"), std::string("\xc1\xbf"), std::string("\xe0\x80\xaf"),
                                 std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
                                 std::string("\xf5\x80\x80\x80"), std::string("\xe5\x8d")}) {
    Utf8Validator v;
    EXPECT_FALSE(v.Feed(bad) && v.Complete()) << "byte 0: " << static_cast<int>(static_cast<std::uint8_t>(bad[0]));
  }
}

TEST(CloseCodeTest, OnlyCodesAPeerMaySendAreValid) {
  for (const int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999}) {
    EXPECT_TRUE(IsValidCloseCode(static_cast<std::uint16_t>(code))) << code;
  }
  for (const int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    EXPECT_FALSE(IsValidCloseCode(static_cast<std::uint16_t>(code))) << code;
  }
}

}  // namespace
}  // namespace biomatch::server
