#include "hardneg/optim/schedule.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace hardneg;

TEST_CASE("ConstantLR keeps the base rate", "[optim][schedule]") {
  STATIC_REQUIRE(LearningRateSchedule<ConstantLR>);
  for (int e : {0, 1, 17, 1000}) CHECK(ConstantLR{}.lr(0.01, e) == 0.01);
}

TEST_CASE("StepDecay is PyTorch's StepLR stepped once per epoch", "[optim][schedule]") {
  STATIC_REQUIRE(LearningRateSchedule<StepDecay>);
  const StepDecay s{5, 0.95};  // WWW'23: x0.95 every 5 epochs
  for (int e = 0; e < 5; ++e) CHECK(s.lr(1e-3, e) == 1e-3);
  for (int e = 5; e < 10; ++e) CHECK(s.lr(1e-3, e) == Approx(0.95e-3).epsilon(1e-15));
  CHECK(s.lr(1e-3, 10) == Approx(1e-3 * 0.95 * 0.95).epsilon(1e-15));
  CHECK(s.lr(1e-3, 199) == Approx(1e-3 * std::pow(0.95, 39)).epsilon(1e-15));
  const StepDecay halve{{.every = 1, .gamma = 0.5}};
  CHECK(halve.lr(8.0, 3) == 1.0);
  CHECK(StepDecay{}.params().every == 5);
  CHECK(StepDecay{}.params().gamma == 0.95);
}

TEST_CASE("StepDecay rejects bad values", "[optim][schedule]") {
  CHECK_THROWS_WITH(StepDecay(0, 0.5), Catch::Contains("every must be >= 1, got 0"));
  CHECK_THROWS_AS(StepDecay(5, 0.0), InvalidArgument);
  CHECK_THROWS_AS(StepDecay(5, std::nan("")), InvalidArgument);
  CHECK_THROWS_AS(StepDecay{}.lr(1.0, -1), InvalidArgument);
}

namespace {
struct Warmup {  // a user's own schedule: linear warm-up over 4 epochs
  double lr(double base, int epoch) const { return base * std::min(1.0, (epoch + 1) / 4.0); }
};
}  // namespace

TEST_CASE("Schedule holds any schedule at run time", "[optim][schedule]") {
  STATIC_REQUIRE(LearningRateSchedule<Schedule>);
  const Schedule constant;
  CHECK(constant.lr(0.1, 50) == 0.1);
  Schedule s = StepDecay{2, 0.1};
  CHECK(s.lr(1.0, 3) == Approx(0.1));
  s = Warmup{};
  CHECK(s.lr(1.0, 0) == 0.25);
  CHECK(s.lr(1.0, 9) == 1.0);
  const Schedule copy = s;
  CHECK(copy.lr(2.0, 1) == 1.0);
}
