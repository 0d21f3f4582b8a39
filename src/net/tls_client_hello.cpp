// Reads the SNI from a TLS ClientHello (RFC 8446 section 4.1.2, RFC 6066 section 3) as it arrives.
#include "net/tls_client_hello.h"

#include <cstddef>
#include <vector>

namespace cordon::net {

namespace {

constexpr uint8_t kRecordHandshake = 22;
constexpr uint8_t kHandshakeClientHello = 1;
constexpr size_t kRecordHeader = 5;
constexpr size_t kMaxRecordPayload = 16384;      // RFC 8446 section 5.1: 2^14 for plaintext
constexpr size_t kMaxHello = size_t{64} * 1024;  // the contract's bound on the whole handshake
constexpr uint16_t kExtServerName = 0;
constexpr uint8_t kNameTypeHostName = 0;

// A bounds-checked cursor; every read fails (and stays failed) past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  bool u8(uint8_t* v) {
    if (!need(1)) return false;
    *v = data_[pos_++];
    return true;
  }
  bool u16(size_t* v) {
    if (!need(2)) return false;
    *v = (size_t{data_[pos_]} << 8) | data_[pos_ + 1];
    pos_ += 2;
    return true;
  }
  bool bytes(size_t n, std::span<const uint8_t>* out) {
    if (!need(n)) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (!need(n)) return false;
    pos_ += n;
    return true;
  }
  size_t left() const { return data_.size() - pos_; }

 private:
  bool need(size_t n) const { return data_.size() - pos_ >= n; }
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

SniPeek status(SniPeek::Status s) {
  SniPeek peek;
  peek.status = s;
  return peek;
}

// The server_name extension body: a list of (type, name) with at most one host_name.
SniPeek read_server_name(std::span<const uint8_t> ext) {
  Reader r(ext);
  size_t list_size = 0;
  if (!r.u16(&list_size) || list_size != r.left() || list_size == 0) {
    return status(SniPeek::Status::kMalformed);
  }
  SniPeek peek = status(SniPeek::Status::kNoSni);
  while (r.left() > 0) {
    uint8_t type = 0;
    size_t size = 0;
    std::span<const uint8_t> name;
    if (!r.u8(&type) || !r.u16(&size) || !r.bytes(size, &name)) {
      return status(SniPeek::Status::kMalformed);
    }
    // Unknown name types are refused rather than skipped: RFC 6066 defines only host_name,
    // and a name we cannot read is a name we cannot check.
    if (type != kNameTypeHostName || peek.status == SniPeek::Status::kFound || name.empty()) {
      return status(SniPeek::Status::kMalformed);
    }
    for (uint8_t c : name) {
      // NUL and controls: C string handling elsewhere would see a different (shorter) name.
      if (c <= 0x20 || c == 0x7f) return status(SniPeek::Status::kMalformed);
    }
    peek.status = SniPeek::Status::kFound;
    peek.server_name.assign(name.begin(), name.end());
  }
  return peek;
}

SniPeek read_client_hello(std::span<const uint8_t> body) {
  Reader r(body);
  uint8_t session_id_size = 0;
  size_t ciphers_size = 0;
  uint8_t compression_size = 0;
  if (!r.skip(2 + 32) || !r.u8(&session_id_size) || session_id_size > 32 ||
      !r.skip(session_id_size) || !r.u16(&ciphers_size) || ciphers_size < 2 ||
      ciphers_size % 2 != 0 || !r.skip(ciphers_size) || !r.u8(&compression_size) ||
      compression_size == 0 || !r.skip(compression_size)) {
    return status(SniPeek::Status::kMalformed);
  }
  if (r.left() == 0) return status(SniPeek::Status::kNoSni);  // a hello without extensions
  size_t extensions_size = 0;
  if (!r.u16(&extensions_size) || extensions_size != r.left()) {
    return status(SniPeek::Status::kMalformed);
  }
  SniPeek result = status(SniPeek::Status::kNoSni);
  bool seen_server_name = false;
  while (r.left() > 0) {
    size_t type = 0;
    size_t size = 0;
    std::span<const uint8_t> ext;
    if (!r.u16(&type) || !r.u16(&size) || !r.bytes(size, &ext)) {
      return status(SniPeek::Status::kMalformed);
    }
    if (type != kExtServerName) continue;
    if (seen_server_name) return status(SniPeek::Status::kMalformed);  // RFC 8446 4.2
    seen_server_name = true;
    result = read_server_name(ext);
    if (result.status == SniPeek::Status::kMalformed) return result;
  }
  return result;
}

}  // namespace

SniPeek peek_client_hello(std::span<const uint8_t> data) {
  if (data.empty()) return status(SniPeek::Status::kIncomplete);
  // An SSLv2-compatible hello starts with a length byte with the high bit set, plain text
  // with a letter: neither is a TLS handshake record.
  if (data[0] != kRecordHandshake) return status(SniPeek::Status::kNotTls);
  if (data.size() >= 2 && data[1] != 3) return status(SniPeek::Status::kNotTls);

  // Reassemble the handshake layer from as many records as it spans.
  std::vector<uint8_t> handshake;
  size_t pos = 0;
  size_t needed = 0;  // the whole ClientHello message, once its header is in
  while (needed == 0 || handshake.size() < needed) {
    if (data.size() - pos < kRecordHeader) return status(SniPeek::Status::kIncomplete);
    const uint8_t* header = data.data() + pos;
    if (header[0] != kRecordHandshake || header[1] != 3) {
      // Another record type before the hello is complete (or a broken record header).
      return status(SniPeek::Status::kMalformed);
    }
    const size_t payload = (size_t{header[3]} << 8) | header[4];
    if (payload == 0 || payload > kMaxRecordPayload) return status(SniPeek::Status::kMalformed);
    if (data.size() - pos - kRecordHeader < payload) return status(SniPeek::Status::kIncomplete);
    const auto fragment = data.subspan(pos + kRecordHeader, payload);
    handshake.insert(handshake.end(), fragment.begin(), fragment.end());
    pos += kRecordHeader + payload;
    if (needed == 0 && handshake.size() >= 4) {
      if (handshake[0] != kHandshakeClientHello) return status(SniPeek::Status::kMalformed);
      needed = 4 + ((size_t{handshake[1]} << 16) | (size_t{handshake[2]} << 8) | handshake[3]);
      if (needed > kMaxHello) return status(SniPeek::Status::kMalformed);
    }
  }
  return read_client_hello(std::span<const uint8_t>(handshake).subspan(4, needed - 4));
}

}  // namespace cordon::net
