#include "ackd/metrics/registry.hpp"

#include <cmath>
#include <cstdio>

namespace ackd::metrics {
namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// `a="x",b="y"` for these label names and values.
std::string label_text(const std::vector<std::string>& names,
                       const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) {
    out += (i ? "," : "") + names[i] + "=\"" + escape(values[i]) + "\"";
  }
  return out;
}

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {
  if (labels_.empty()) counters_[{}] = std::make_unique<Counter>();
}

Counter& CounterFamily::with(const std::vector<std::string>& values) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[values];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

void CounterFamily::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  for (const auto& [values, counter] : counters_) {
    out += name_;
    if (!values.empty()) out += "{" + label_text(labels_, values) + "}";
    out += " " + number(counter->value()) + "\n";
  }
}

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : bounds_(upper_bounds),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.inc(value);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string before_le = labels.empty() ? "" : labels + ",";
  const std::string braced = labels.empty() ? "" : "{" + labels + "}";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out +=
        name + "_bucket{" + before_le + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum" + braced + " " + number(sum_.value()) + "\n";
  out += name + "_count" + braced + " " + std::to_string(cumulative) + "\n";
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> labels, std::vector<double> upper_bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      labels_(std::move(labels)),
      bounds_(std::move(upper_bounds)) {
  if (labels_.empty()) histograms_[{}] = std::make_unique<Histogram>(bounds_);
}

Histogram& HistogramFamily::with(const std::vector<std::string>& values) {
  std::lock_guard lock(mutex_);
  auto& slot = histograms_[values];
  if (!slot) slot = std::make_unique<Histogram>(bounds_);
  return *slot;
}

void HistogramFamily::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mutex_);
  for (const auto& [values, histogram] : histograms_) {
    histogram->render(out, name_, label_text(labels_, values));
  }
}

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  counters_.push_back(
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels)));
  return *counters_.back();
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<double> upper_bounds,
                                     std::vector<std::string> labels) {
  histograms_.push_back(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(labels), std::move(upper_bounds)));
  return *histograms_.back();
}

void Registry::gauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back({std::move(name), std::move(help), std::move(read), "gauge"});
}

void Registry::read_counter(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back({std::move(name), std::move(help), std::move(read), "counter"});
}

void Registry::labelled_gauge(std::string name, std::string help, std::string label,
                              std::function<std::vector<std::pair<std::string, double>>()> read) {
  labelled_gauges_.push_back({std::move(name), std::move(help), std::move(label), std::move(read)});
}

std::string Registry::render() const {
  std::string out;
  for (const auto& c : counters_) c->render(out);
  for (const auto& h : histograms_) h->render(out);
  for (const auto& g : gauges_) {
    header(out, g.name, g.help, g.type);
    out += g.name + " " + number(g.read()) + "\n";
  }
  for (const auto& g : labelled_gauges_) {
    header(out, g.name, g.help, "gauge");
    for (const auto& [value, reading] : g.read()) {
      out += g.name + "{" + g.label + "=\"" + escape(value) + "\"} " + number(reading) + "\n";
    }
  }
  return out;
}

}  // namespace ackd::metrics
