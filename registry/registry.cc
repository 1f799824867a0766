#include "registry/registry.h"

#include <algorithm>
#include <cctype>

namespace caffe2 {

namespace {
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

namespace {
thread_local LibraryRegistrationScope* current_scope = nullptr;
}  // namespace

LibraryRegistrationScope::LibraryRegistrationScope(std::string library)
    : library_(std::move(library)), previous_(current_scope) {
  current_scope = this;
}

LibraryRegistrationScope::~LibraryRegistrationScope() { current_scope = previous_; }

LibraryRegistrationScope* LibraryRegistrationScope::Current() { return current_scope; }

void LibraryRegistrationScope::UndoAll() {
  for (auto it = undos_.rbegin(); it != undos_.rend(); ++it) (*it)();
  undos_.clear();
}

std::string RegistrationOrigin(const std::string& where) {
  const LibraryRegistrationScope* scope = LibraryRegistrationScope::Current();
  if (scope == nullptr) return where;
  return MakeString(where, " in operator library '", scope->library(), "'");
}

std::vector<std::string> CloseNames(const std::string& name, const std::vector<std::string>& candidates,
                                    size_t max_results) {
  // Close means: a few edits away (relative to the length), or one name contains the other.
  const std::string lower = Lower(name);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    const size_t distance = EditDistance(name, candidate);
    const std::string lower_candidate = Lower(candidate);
    const bool contains = !lower.empty() && (lower_candidate.find(lower) != std::string::npos ||
                                             lower.find(lower_candidate) != std::string::npos);
    const size_t allowed = std::max<size_t>(2, std::max(name.size(), candidate.size()) / 3);
    if (distance <= allowed || contains) scored.emplace_back(contains ? 0 : distance, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> result;
  for (size_t i = 0; i < scored.size() && i < max_results; ++i) result.push_back(scored[i].second);
  return result;
}

}  // namespace caffe2
