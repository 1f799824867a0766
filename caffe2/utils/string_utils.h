// Caffe2's caffe2/utils/string_utils.h: split, trim, StartsWith/EndsWith, editDistance, and c10's
// string-to-number helpers.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace caffe2 {

// `s` cut at every `separator`; with ignore_empty, empty pieces are dropped. An empty string gives
// one empty piece unless ignore_empty (as in Caffe2).
inline std::vector<std::string> split(char separator, const std::string& s, bool ignore_empty = false) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    std::string piece = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!ignore_empty || !piece.empty()) pieces.push_back(std::move(piece));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return pieces;
}

// `s` without leading and trailing white space.
inline std::string trim(const std::string& s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return s.substr(begin, end - begin);
}

inline bool StartsWith(const std::string& str, const std::string& prefix) {
  return str.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), str.begin());
}
inline bool EndsWith(const std::string& full, const std::string& ending) {
  return full.size() >= ending.size() && std::equal(ending.rbegin(), ending.rend(), full.rbegin());
}

// Levenshtein distance; stops counting at max_distance when it is non-zero.
inline size_t editDistance(const std::string& s1, const std::string& s2, size_t max_distance = 0) {
  std::vector<size_t> previous(s2.size() + 1), current(s2.size() + 1);
  for (size_t j = 0; j <= s2.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= s1.size(); ++i) {
    current[0] = i;
    size_t row_min = current[0];
    for (size_t j = 1; j <= s2.size(); ++j) {
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s1[i - 1] == s2[j - 1] ? 0 : 1)});
      row_min = std::min(row_min, current[j]);
    }
    if (max_distance != 0 && row_min > max_distance) return max_distance + 1;
    std::swap(previous, current);
  }
  return previous[s2.size()];
}

}  // namespace caffe2

namespace c10 {
// std::stoi and friends under c10's names (Caffe2 code uses them for Android portability).
using std::stod;
using std::stoi;
using std::stoll;
using std::stoull;
using std::to_string;
}  // namespace c10
