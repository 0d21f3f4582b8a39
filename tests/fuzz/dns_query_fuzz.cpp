// Fuzzes the box's DNS stub: the query parser, and the answers built from what it accepted.
// Every query comes from the box; a bad one must get no answer or a well-formed one.
#include <string_view>

#include "fuzz_target.h"
#include "net/address.h"
#include "net/dns_message.h"

namespace {

namespace dns = cordon::net::dns;

bool name_alphabet(std::string_view name) {
  return cordon::fuzz::hostname_bytes(name) && name.size() <= 255 &&
         name.find("..") == std::string_view::npos &&
         (name.empty() || (name.front() != '.' && name.back() != '.'));
}

uint16_t u16(const std::vector<uint8_t>& m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

// The answer copies the id and the question, says it is a response, has one question, and
// `answers` answer records.
void check_answer(const std::vector<uint8_t>& answer, std::span<const uint8_t> query,
                  const dns::Query& q, int answers) {
  FUZZ_CHECK(answer.size() >= q.question_end);
  FUZZ_CHECK(u16(answer, 0) == q.id);
  FUZZ_CHECK((answer[2] & 0x80) != 0);  // QR
  FUZZ_CHECK(u16(answer, 4) == 1 && u16(answer, 6) == answers);
  FUZZ_CHECK(std::equal(query.begin() + 12, query.begin() + static_cast<long>(q.question_end),
                        answer.begin() + 12));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> message(data, size);
  const auto query = dns::parse_query(message);
  if (!query) return 0;
  FUZZ_CHECK(query->question_end >= 12 + 5 && query->question_end <= size);
  FUZZ_CHECK(name_alphabet(query->name));

  const auto address = cordon::net::IpAddress::v4(198, 18, 0, 7);
  check_answer(dns::answer_a(message, *query, address, 1), message, *query, 1);
  check_answer(dns::answer_empty(message, *query), message, *query, 0);
  check_answer(dns::answer_error(message, *query, 5), message, *query, 0);
  return 0;
}
