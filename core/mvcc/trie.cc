#include "core/mvcc/trie.h"

#include <algorithm>
#include <utility>

#include "core/util/check.h"

namespace cairn::mvcc {

struct Trie::Node {
  std::string label;                // edge bytes from the parent
  std::unique_ptr<KeyIndex> value;  // set when this node's key is present
  std::vector<std::unique_ptr<Node>> children;  // sorted by label[0]
  // children[i]->label[0] for every i, kept alongside so that finding a
  // child touches one small contiguous buffer instead of each child node.
  std::string child_bytes;
};

// The state of one ordered scan. The explicit stack (instead of recursion)
// keeps stack use flat however deep the trie is.
struct Trie::Scan {
  struct Frame {
    const Node* node;
    size_t next_child;
    size_t key_len_before;  // key length before this node's label
  };
  std::string_view begin;
  std::string_view end;
  bool unbounded;
  const Visitor* visit;
  std::string key;
  std::vector<Frame> stack;
};

namespace {

unsigned char FirstByte(const std::string& label) {
  return static_cast<unsigned char>(label[0]);
}

size_t CommonPrefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) i++;
  return i;
}

}  // namespace

Trie::Trie() : root_(std::make_unique<Node>()) {}

// Destroys nodes iteratively so that a deep trie cannot exhaust the stack.
Trie::~Trie() {
  std::vector<std::unique_ptr<Node>> pending;
  pending.push_back(std::move(root_));
  while (!pending.empty()) {
    std::unique_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    for (auto& c : n->children) pending.push_back(std::move(c));
  }
}

size_t Trie::ChildSlot(const Node& node, unsigned char byte) {
  const std::string& bytes = node.child_bytes;
  CAIRN_DCHECK(bytes.size() == node.children.size(),
               "child byte index out of step: %zu vs %zu", bytes.size(),
               node.children.size());
  auto it = std::lower_bound(bytes.begin(), bytes.end(), byte,
                             [](char c, unsigned char b) {
                               return static_cast<unsigned char>(c) < b;
                             });
  return static_cast<size_t>(it - bytes.begin());
}

const KeyIndex* Trie::Find(std::string_view key) const {
  const Node* node = root_.get();
  while (!key.empty()) {
    const size_t slot = ChildSlot(*node, static_cast<unsigned char>(key[0]));
    if (slot == node->children.size()) return nullptr;
    const Node* child = node->children[slot].get();
    if (FirstByte(child->label) != static_cast<unsigned char>(key[0]) ||
        !key.starts_with(child->label)) {
      return nullptr;
    }
    key.remove_prefix(child->label.size());
    node = child;
  }
  return node->value.get();
}

KeyIndex* Trie::Find(std::string_view key) {
  return const_cast<KeyIndex*>(std::as_const(*this).Find(key));
}

// Descends along `key`, splitting an edge where the key leaves it, and
// hangs a new leaf for the rest of the key.
KeyIndex& Trie::FindOrInsert(std::string_view key) {
  Node* node = root_.get();
  while (!key.empty()) {
    const unsigned char b = static_cast<unsigned char>(key[0]);
    const size_t slot = ChildSlot(*node, b);
    auto& children = node->children;
    if (slot == children.size() ||
        static_cast<unsigned char>(node->child_bytes[slot]) != b) {
      auto leaf = std::make_unique<Node>();
      leaf->label = std::string(key);
      node->child_bytes.insert(slot, 1, static_cast<char>(b));
      node = children
                 .insert(children.begin() + static_cast<long>(slot),
                         std::move(leaf))
                 ->get();
      key = {};
      break;
    }
    Node* child = children[slot].get();
    const size_t common = CommonPrefix(child->label, key);
    if (common < child->label.size()) {
      // Split the edge: a new inner node takes the shared bytes.
      auto inner = std::make_unique<Node>();
      inner->label = child->label.substr(0, common);
      child->label.erase(0, common);
      inner->child_bytes.push_back(child->label[0]);
      inner->children.push_back(std::move(children[slot]));
      children[slot] = std::move(inner);
      child = children[slot].get();
    }
    key.remove_prefix(common);
    node = child;
  }
  if (node->value == nullptr) {
    node->value = std::make_unique<KeyIndex>();
    size_++;
  }
  return *node->value;
}

namespace {

// Folds `node` into its only child, keeping the trie compressed.
template <typename N>
void MergeWithOnlyChild(N& node) {
  std::unique_ptr<N> child = std::move(node.children[0]);
  node.label += child->label;
  node.value = std::move(child->value);
  node.children = std::move(child->children);
  node.child_bytes = std::move(child->child_bytes);
}

}  // namespace

bool Trie::Erase(std::string_view key) {
  // path[i] is (node, slot of path[i+1] in node->children).
  std::vector<std::pair<Node*, size_t>> path;
  Node* node = root_.get();
  while (!key.empty()) {
    const size_t slot = ChildSlot(*node, static_cast<unsigned char>(key[0]));
    if (slot == node->children.size()) return false;
    Node* child = node->children[slot].get();
    if (!key.starts_with(child->label)) return false;
    path.emplace_back(node, slot);
    key.remove_prefix(child->label.size());
    node = child;
  }
  if (node->value == nullptr) return false;
  node->value.reset();
  size_--;
  if (path.empty()) return true;  // the empty key lives at the root
  if (node->children.size() == 1) {
    MergeWithOnlyChild(*node);
  } else if (node->children.empty()) {
    auto [parent, slot] = path.back();
    parent->children.erase(parent->children.begin() + static_cast<long>(slot));
    parent->child_bytes.erase(slot, 1);
    const bool parent_is_root = path.size() == 1;
    if (!parent_is_root && parent->value == nullptr &&
        parent->children.size() == 1) {
      MergeWithOnlyChild(*parent);
    }
  }
  return true;
}

// A subtree whose key is not a prefix of `begin` and sorts before it holds
// only keys below `begin`; a subtree whose key is >= `end` holds only keys
// at or past `end`, and so does everything after it in order.
bool Trie::Enter(const Node& node, Scan& scan) {
  std::string& key = scan.key;
  const size_t before = key.size();
  key += node.label;
  const bool prefix_of_begin = key.size() <= scan.begin.size() &&
                               scan.begin.starts_with(std::string_view(key));
  if (!prefix_of_begin && std::string_view(key) < scan.begin) {
    key.resize(before);
    return true;
  }
  if (!scan.unbounded && std::string_view(key) >= scan.end) return false;
  if (node.value != nullptr && std::string_view(key) >= scan.begin) {
    if (!(*scan.visit)(key, *node.value)) return false;
  }
  size_t first = 0;
  if (prefix_of_begin && key.size() < scan.begin.size()) {
    first = ChildSlot(node, static_cast<unsigned char>(scan.begin[key.size()]));
  }
  scan.stack.push_back(Scan::Frame{&node, first, before});
  return true;
}

void Trie::Visit(std::string_view begin, std::string_view end, bool unbounded,
                 const Visitor& visit) const {
  Scan scan{.begin = begin,
            .end = end,
            .unbounded = unbounded,
            .visit = &visit,
            .key = {},
            .stack = {}};
  if (!Enter(*root_, scan)) return;
  while (!scan.stack.empty()) {
    Scan::Frame& f = scan.stack.back();
    if (f.next_child >= f.node->children.size()) {
      scan.key.resize(f.key_len_before);
      scan.stack.pop_back();
      continue;
    }
    const Node& child = *f.node->children[f.next_child++];
    if (!Enter(child, scan)) return;
  }
}

size_t Trie::MemoryBytes() const {
  size_t bytes = sizeof(Trie);
  std::vector<const Node*> pending{root_.get()};
  while (!pending.empty()) {
    const Node* n = pending.back();
    pending.pop_back();
    bytes += sizeof(Node) + n->children.capacity() * sizeof(void*);
    // Labels longer than the small-string buffer live on the heap.
    if (n->label.capacity() > 15) bytes += n->label.capacity() + 1;
    if (n->child_bytes.capacity() > 15) {
      bytes += n->child_bytes.capacity() + 1;
    }
    if (n->value != nullptr) bytes += n->value->MemoryBytes();
    for (const auto& c : n->children) pending.push_back(c.get());
  }
  return bytes;
}

}  // namespace cairn::mvcc
