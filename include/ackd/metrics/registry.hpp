#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ackd::metrics {

// A monotonically increasing count. Safe to bump from any thread.
class Counter {
 public:
  void inc(double by = 1) {
    double now = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(now, now + by, std::memory_order_relaxed)) {
    }
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counters sharing a name, one per combination of label values.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  // The counter for these label values (in the order of the family's labels), created at 0.
  Counter& with(const std::vector<std::string>& values);
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Counter>> counters_;
};

// Observations counted into fixed buckets (seconds), with their sum. Safe from any thread.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& upper_bounds);
  void observe(double value);
  // Its buckets, sum and count as samples of `name`, labelled `labels` (`a="x",b="y"` or "").
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  const std::vector<double>& bounds_;                     // the family's
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then +Inf
  Counter sum_;
};

// Histograms sharing a name and buckets, one per combination of label values.
class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> upper_bounds);
  // The histogram for these label values (in the order of the family's labels), created empty.
  Histogram& with(const std::vector<std::string>& values);
  // The only histogram of a family without labels.
  void observe(double value) { with({}).observe(value); }
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Histogram>> histograms_;
};

// Everything /metrics shows, in the Prometheus text exposition format (version 0.0.4).
class Registry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> upper_bounds,
                             std::vector<std::string> labels = {});
  // A value read when rendered (queue depths, open cases).
  void gauge(std::string name, std::string help, std::function<double()> read);
  // One value per label value, read when rendered (per-sink backlogs, say).
  void labelled_gauge(std::string name, std::string help, std::string label,
                      std::function<std::vector<std::pair<std::string, double>>()> read);
  // A count kept elsewhere (by the HTTP server, say), read when rendered.
  void read_counter(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
    const char* type;
  };
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<Gauge> gauges_;
  struct LabelledGauge {
    std::string name, help, label;
    std::function<std::vector<std::pair<std::string, double>>()> read;
  };
  std::vector<LabelledGauge> labelled_gauges_;
};

}  // namespace ackd::metrics
