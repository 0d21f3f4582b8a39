// The review web server over real loopback connections: tokens, Host and Origin checks, the
// size limits, the connection cap, answers and the event stream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "base/unique_fd.h"
#include "review/review_queue.h"
#include "review/web_server.h"

namespace cordon::review {
namespace {

using namespace std::chrono_literals;

UniqueFd dial(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  return fd;
}

// Reads until `until` appears, the peer closes, or 5 s pass.
std::string read_some(int fd, const std::string& until = "") {
  std::string got;
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < end) {
    if (!until.empty() && got.find(until) != std::string::npos) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

std::string http_exchange(uint16_t port, const std::string& request) {
  UniqueFd fd = dial(port);
  if (!fd) return "";
  (void)!::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
  return read_some(fd.get());
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return -1;
  return std::atoi(response.c_str() + 9);
}

class ReviewWebTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = WebServer::start(queue, 0);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    server = std::move(s).value();
    auto url = server->add_reviewer("alice");
    ASSERT_TRUE(url.ok());
    token = url->substr(url->find("token=") + 6);
    host = "127.0.0.1:" + std::to_string(server->port());
  }
  std::string get(const std::string& target, const std::string& extra = "") {
    return http_exchange(server->port(),
                         "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n");
  }
  std::string post(const std::string& body, const std::string& extra = "") {
    return http_exchange(server->port(), "POST /api/answer HTTP/1.1\r\nHost: " + host +
                                             "\r\nX-Cordon-Token: " + token +
                                             "\r\nContent-Length: " + std::to_string(body.size()) +
                                             "\r\n" + extra + "\r\n" + body);
  }
  std::string submit(std::vector<std::string> argv) {
    ReviewItem item;
    item.start.executable = "/usr/bin/" + argv[0];
    item.start.argv = std::move(argv);
    return queue.submit(item, [this](const ReviewItem&, const ReviewOutcome& o) { last = o; });
  }

  ReviewOutcome last;  // before the queue, whose destructor reports pending items here
  ReviewQueue queue{"web-session", 60s};
  std::unique_ptr<WebServer> server;
  std::string token;
  std::string host;
};

TEST_F(ReviewWebTest, TokensNameReviewers) {
  auto again = server->add_reviewer("alice");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->substr(again->find("token=") + 6), token);
  EXPECT_EQ(token.size(), 64u);
  auto bob = server->add_reviewer("bob");
  ASSERT_TRUE(bob.ok());
  EXPECT_NE(bob->substr(bob->find("token=") + 6), token);
  EXPECT_FALSE(server->add_reviewer("no spaces").ok());
  EXPECT_FALSE(server->add_reviewer("").ok());

  const std::string page = get("/?token=" + token);
  EXPECT_EQ(status_of(page), 200) << page;
  EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'; script-src 'nonce-"),
            std::string::npos);
  EXPECT_EQ(page.find("{{NONCE}}"), std::string::npos);
  EXPECT_EQ(status_of(get("/?token=" + token.substr(0, 63))), 403);
  EXPECT_EQ(status_of(get("/?token=" + std::string(64, 'f'))), 403);
  EXPECT_EQ(status_of(get("/api/items")), 403);
  EXPECT_EQ(status_of(get("/api/items?token=" + token)), 403);  // the API wants the header
  const std::string items = get("/api/items", "X-Cordon-Token: " + token + "\r\n");
  ASSERT_EQ(status_of(items), 200) << items;
  auto j = nlohmann::json::parse(items.substr(items.find("\r\n\r\n") + 4));
  EXPECT_EQ(j["reviewer"], "web:alice");
  EXPECT_EQ(j["session"], "web-session");
}

TEST_F(ReviewWebTest, HostMustBeExactlyOurs) {
  const uint16_t port = server->port();
  for (const std::string& bad :
       {"Host: localhost:" + std::to_string(port) + "\r\n", std::string("Host: 127.0.0.1\r\n"),
        std::string("Host: rebind.example.com\r\n"), std::string(""),
        "Host: " + host + "\r\nHost: " + host + "\r\n"}) {
    const std::string r =
        http_exchange(port, "GET /?token=" + token + " HTTP/1.1\r\n" + bad + "\r\n");
    EXPECT_EQ(status_of(r), 421) << bad << "\n" << r;
  }
}

TEST_F(ReviewWebTest, LimitsAndMalformedRequests) {
  const uint16_t port = server->port();
  EXPECT_EQ(status_of(get("/", "X-Big: " + std::string(9000, 'a') + "\r\n")), 431);
  EXPECT_EQ(status_of(post(std::string(17 * 1024, 'x'))), 413);
  EXPECT_EQ(status_of(http_exchange(port, "POST /api/answer HTTP/1.1\r\nHost: " + host +
                                              "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
            411);
  EXPECT_EQ(status_of(http_exchange(port, "GET / HTTP/1.1\nHost: " + host + "\n\n")), 400);
  EXPECT_EQ(status_of(http_exchange(port, "GET http://x/ HTTP/1.1\r\nHost: " + host + "\r\n\r\n")),
            400);
  EXPECT_EQ(status_of(http_exchange(port, "GET / HTTP/2.0\r\nHost: " + host + "\r\n\r\n")), 400);
  EXPECT_EQ(status_of(get("/nothing")), 404);
  EXPECT_EQ(status_of(post("not json")), 400);
  EXPECT_EQ(status_of(post(R"({"id":"x","verdict":"maybe"})")), 400);
  EXPECT_EQ(status_of(post(R"({"id":"nope","verdict":"deny"})")), 404);
}

TEST_F(ReviewWebTest, AnswersComeFromTheTokensReviewerAndForeignOriginsAreRefused) {
  const std::string id = submit({"git", "push", "--force"});
  const std::string body =
      R"({"id":")" + id + R"(","verdict":"deny","reason":"no","reviewer":"web:mallory"})";
  EXPECT_EQ(status_of(post(body, "Origin: http://attacker.example.com\r\n")), 403);
  EXPECT_EQ(queue.pending().size(), 1u);
  const std::string ok = post(body, "Origin: http://" + host + "\r\n");
  ASSERT_EQ(status_of(ok), 200) << ok;
  EXPECT_TRUE(queue.pending().empty());
  EXPECT_EQ(last.reviewers, std::vector<std::string>{"web:alice"});
  EXPECT_EQ(last.reason, "no");
  EXPECT_EQ(last.channel, "web");
}

TEST_F(ReviewWebTest, EventStreamSendsTheItemsOnEveryChange) {
  UniqueFd fd = dial(server->port());
  ASSERT_TRUE(fd);
  const std::string request =
      "GET /api/events HTTP/1.1\r\nHost: " + host + "\r\nX-Cordon-Token: " + token + "\r\n\r\n";
  ASSERT_EQ(::send(fd.get(), request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  std::string first = read_some(fd.get(), "\n\n");
  EXPECT_NE(first.find("Content-Type: text/event-stream"), std::string::npos) << first;
  EXPECT_NE(first.find(R"(data: {"items":[])"), std::string::npos) << first;
  const std::string id = submit({"rm", "-rf", "x"});
  std::string second = read_some(fd.get(), id);
  EXPECT_NE(second.find("data: "), std::string::npos) << second;
  EXPECT_NE(second.find(id), std::string::npos) << second;
}

TEST_F(ReviewWebTest, ConnectionCapTurnsTheNextAway) {
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(dial(server->port()));
    ASSERT_TRUE(idle.back());
  }
  std::this_thread::sleep_for(300ms);  // let the server accept them all
  const std::string r = get("/?token=" + token);
  EXPECT_EQ(status_of(r), 503) << r;
  idle.clear();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(status_of(get("/?token=" + token)), 200);
}

}  // namespace
}  // namespace cordon::review
