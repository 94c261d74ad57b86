// Trie: the key index of the keyspace, a byte-wise, path-compressed
// (radix) trie mapping each key to its KeyIndex. Pure core;
// single-threaded, deterministic (children are kept sorted by byte, never
// by pointer).
//
// Every node owns the bytes of the edge that leads into it (its label); a
// node's key is the concatenation of the labels from the root. A node holds
// a KeyIndex when its key is in the map; inner nodes without one always
// have at least two children (the trie stays compressed after erases).
// An ordered range scan descends straight to the lower bound and stops at
// the upper bound, so it visits only the keys it returns plus the nodes on
// the two boundary paths.
//
//   keys "foo", "foobar", "fox":        (root)
//                                          |"fo"
//                                        (fo)
//                                  "o"/       \"x"
//                              [foo]           [fox]
//                                |"bar"
//                             [foobar]
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/mvcc/key_index.h"

namespace cairn::mvcc {

class Trie {
 public:
  // Called with each key (valid only during the call) and its index, in
  // ascending byte order; returning false stops the scan.
  using Visitor = std::function<bool(const std::string& key, KeyIndex& ki)>;

  Trie();
  ~Trie();
  Trie(const Trie&) = delete;
  Trie& operator=(const Trie&) = delete;

  // The index of `key`, or nullptr. The pointer stays valid until `key` is
  // erased or the trie is destroyed.
  KeyIndex* Find(std::string_view key);
  const KeyIndex* Find(std::string_view key) const;

  // The index of `key`, inserting an empty one if absent.
  KeyIndex& FindOrInsert(std::string_view key);

  // Removes `key`; returns false if it was absent.
  bool Erase(std::string_view key);

  // Visits the keys k with begin <= k < end in ascending order; with
  // `unbounded`, `end` is ignored and every k >= begin is visited. The
  // visitor must not insert or erase keys.
  void Visit(std::string_view begin, std::string_view end, bool unbounded,
             const Visitor& visit) const;

  size_t size() const { return size_; }

  // Approximate bytes used by nodes, labels and key indexes.
  size_t MemoryBytes() const;

 private:
  struct Node;
  struct Scan;
  static size_t ChildSlot(const Node& node, unsigned char byte);
  // Enters `node` during a scan: visits its key if in range and schedules
  // its children. Returns false when the scan is over.
  static bool Enter(const Node& node, Scan& scan);

  std::unique_ptr<Node> root_;
  size_t size_ = 0;
};

}  // namespace cairn::mvcc
