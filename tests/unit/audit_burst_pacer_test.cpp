// BurstPacer: a steady stream of events is read in gathers; a short session never waits.
#include <gtest/gtest.h>

#include "audit/burst_pacer.h"

namespace cordon::audit {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

BurstPacer::Clock::time_point at(microseconds t) {
  return BurstPacer::Clock::time_point(t);
}

TEST(BurstPacer, AShortSessionIsNeverPacedHoweverManyEventsItSends) {
  BurstPacer pacer;
  // 200 events within 15 ms, as a busy start-up might send: all inside the first window.
  for (int i = 0; i < 200; ++i) {
    pacer.saw_frame(at(microseconds(1000 + i * 75)));
    EXPECT_FALSE(pacer.busy()) << "event " << i;
  }
}

TEST(BurstPacer, AStreamAtTheGateLoopsRateIsReadInGathers) {
  BurstPacer pacer;
  // 1,200 events a second (a shell loop of program starts under the gate).
  microseconds t(5000);
  for (int i = 0; i < 30; ++i, t += microseconds(833)) pacer.saw_frame(at(t));
  EXPECT_TRUE(pacer.busy());
}

TEST(BurstPacer, AQuietStreamIsNotPacedAndABusyOneThatQuietsDownStopsBeingPaced) {
  BurstPacer pacer;
  microseconds t(0);
  // 100 events a second: five per window.
  for (int i = 0; i < 20; ++i, t += milliseconds(10)) {
    pacer.saw_frame(at(t));
    EXPECT_FALSE(pacer.busy());
  }
  for (int i = 0; i < 60; ++i, t += microseconds(500)) pacer.saw_frame(at(t));
  EXPECT_TRUE(pacer.busy());
  // Then one event per window: the next window's first event ends the pacing.
  for (int i = 0; i < 3; ++i, t += milliseconds(25)) pacer.saw_frame(at(t));
  EXPECT_FALSE(pacer.busy());
}

}  // namespace
}  // namespace cordon::audit
