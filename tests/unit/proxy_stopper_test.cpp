// What stops `cordon proxy`: a stopper with no writer to watch is refused, never started blind.
#include "cli/proxy_stopper.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "base/unique_fd.h"

namespace cordon::cli {
namespace {

std::unique_ptr<net::Proxy> idle_proxy() {
  auto rules = net::EgressRules::compile({});
  if (!rules.ok()) return nullptr;
  auto proxy = net::Proxy::create(std::move(*rules), {}, {});
  return proxy.ok() ? std::move(*proxy) : nullptr;
}

TEST(ProxyStopper, NoWriterToWatchIsAnError) {
  auto proxy = idle_proxy();
  ASSERT_NE(proxy, nullptr);
  auto stopper = ProxyStopper::start(*proxy, -1);
  ASSERT_FALSE(stopper.ok());
  EXPECT_NE(stopper.error().message().find("no audit writer"), std::string::npos);
}

TEST(ProxyStopper, TheWritersHangUpStopsTheProxy) {
  auto proxy = idle_proxy();
  ASSERT_NE(proxy, nullptr);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]), writer(pair[1]);
  auto stopper = ProxyStopper::start(*proxy, ours.get());
  ASSERT_TRUE(stopper.ok()) << stopper.error().describe();
  writer.reset();                  // the writer exits
  EXPECT_TRUE(proxy->run().ok());  // returns once stopped
  EXPECT_TRUE((*stopper)->writer_lost());
}

}  // namespace
}  // namespace cordon::cli
