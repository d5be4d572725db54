//! The Merkle tree of RFC 6962 / RFC 9162 §2.1 over the log's records: leaf hashes, the tree
//! head, inclusion and consistency proofs, and their verification.
//!
//! Leaf hash: `SHA-256(0x00 ‖ record bytes)`; interior node: `SHA-256(0x01 ‖ left ‖ right)`;
//! the tree of `n > 1` leaves splits at the largest power of two below `n`; the empty tree's
//! head is `SHA-256("")`.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub(crate) type Hash = [u8; 32];

/// The leaf hash of a record's bytes.
#[must_use]
pub(crate) fn leaf_hash(record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record);
    h.finalize().into()
}

/// The hash of an interior node.
#[must_use]
pub(crate) fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The head of the empty tree.
#[must_use]
pub(crate) fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The tree over every leaf appended so far, with each complete aligned subtree's hash kept,
/// so a tree head or a proof for any size costs O(log² n) hashes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tree {
    /// `levels[i][j]` is the hash of leaves `[j·2^i, (j+1)·2^i)`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// The number of leaves.
    pub(crate) fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash.
    pub(crate) fn push(&mut self, leaf: Hash) {
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                return;
            };
            row.push(hash);
            if row.len() % 2 == 1 {
                return;
            }
            let (Some(right), Some(left)) = (
                row.last(),
                row.len().checked_sub(2).and_then(|i| row.get(i)),
            ) else {
                return;
            };
            hash = node_hash(left, right);
            level += 1;
        }
    }

    /// The leaf hash at `index`.
    pub(crate) fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// The hash of leaves `[start, end)`, `start < end <= len`.
    fn subtree(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            let index = usize::try_from(start / n).unwrap_or(usize::MAX);
            if let Some(h) = self.levels.get(level).and_then(|l| l.get(index)) {
                return *h;
            }
        }
        if n == 1 {
            // Not reached for start < len; an absent leaf hashes as the empty record would.
            return self.leaf(start).unwrap_or_else(|| leaf_hash(&[]));
        }
        let k = split(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// The tree head at `size` (`size <= len`).
    pub(crate) fn root(&self, size: u64) -> Hash {
        if size == 0 || size > self.len() {
            return empty_root();
        }
        self.subtree(0, size)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 `PATH`).
    pub(crate) fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.len() {
            return None;
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Some(proof)
    }

    fn path(&self, m: u64, start: u64, end: u64, proof: &mut Vec<Hash>) {
        let n = end - start;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, start + k, proof);
            proof.push(self.subtree(start + k, end));
        } else {
            self.path(m - k, start + k, end, proof);
            proof.push(self.subtree(start, start + k));
        }
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` (RFC 6962
    /// `PROOF`): empty when `old == new`.
    pub(crate) fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.len() {
            return None;
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Some(proof)
    }

    fn subproof(&self, m: u64, start: u64, end: u64, complete: bool, proof: &mut Vec<Hash>) {
        let n = end - start;
        if m == n {
            if !complete {
                proof.push(self.subtree(start, end));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, proof);
            proof.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, proof);
            proof.push(self.subtree(start, start + k));
        }
    }
}

/// Whether `proof` shows leaf `leaf` at `index` in the tree of `size` leaves with head
/// `root` (RFC 9162 §2.1.3.2).
#[must_use]
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Whether `proof` shows that the tree of `new` leaves with head `new_root` extends the tree
/// of `old` leaves with head `old_root` (RFC 9162 §2.1.4.2).
#[must_use]
pub(crate) fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        // Every tree extends the empty one.
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;

    /// RFC 6962's MTH, straight from the definition.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn tree(n: u64) -> (Tree, Vec<Hash>) {
        let mut t = Tree::default();
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    #[test]
    fn heads_match_the_definition() {
        let (t, leaves) = tree(70);
        for size in 0..=70u64 {
            assert_eq!(t.root(size), mth(&leaves[..size as usize]), "size {size}");
        }
    }

    /// The empty tree's head and a one-leaf tree are RFC 6962's (SHA-256 of nothing; the leaf).
    #[test]
    fn known_values() {
        assert_eq!(
            empty_root(),
            *b"\xe3\xb0\xc4\x42\x98\xfc\x1c\x14\x9a\xfb\xf4\xc8\x99\x6f\xb9\x24\x27\xae\x41\xe4\x64\x9b\x93\x4c\xa4\x95\x99\x1b\x78\x52\xb8\x55"
        );
        let (t, leaves) = tree(1);
        assert_eq!(t.root(1), leaves[0]);
    }

    /// The tree heads of the RFC 6962 reference test data (the certificate-transparency
    /// project's eight leaves).
    #[test]
    fn rfc6962_reference_heads() {
        let inputs: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let heads = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let mut t = Tree::default();
        for (input, head) in inputs.iter().zip(heads) {
            t.push(leaf_hash(input));
            assert_eq!(
                crate::decision_log::hex::encode(&t.root(t.len())),
                head,
                "size {}",
                t.len()
            );
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_no_other_leaf_does() {
        let (t, leaves) = tree(33);
        for size in 1..=33u64 {
            let root = t.root(size);
            for i in 0..size {
                let proof = t.inclusion_proof(i, size).unwrap();
                assert!(
                    verify_inclusion(i, size, &leaves[i as usize], &proof, &root),
                    "{i} of {size}"
                );
                let other = leaves[((i + 1) % size.max(2)) as usize];
                if other != leaves[i as usize] {
                    assert!(!verify_inclusion(i, size, &other, &proof, &root));
                }
                // The same proof does not lead to the head of a larger tree.
                assert!(!verify_inclusion(
                    i,
                    size,
                    &leaves[i as usize],
                    &proof,
                    &t.root(size + 1)
                ));
                if let Some(first) = proof.first() {
                    let mut bad = proof.clone();
                    bad[0] = leaf_hash(first);
                    assert!(!verify_inclusion(i, size, &leaves[i as usize], &bad, &root));
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_a_rewrite_does_not() {
        let (t, leaves) = tree(33);
        for new in 1..=33u64 {
            for old in 0..=new {
                let proof = t.consistency_proof(old, new).unwrap();
                assert!(
                    verify_consistency(old, new, &t.root(old), &t.root(new), &proof),
                    "{old} → {new}"
                );
                if old > 0 && old < new {
                    // A tree whose first leaf was rewritten does not extend the old one.
                    let mut changed = leaves[..new as usize].to_vec();
                    changed[0] = leaf_hash(b"rewritten");
                    assert!(!verify_consistency(
                        old,
                        new,
                        &t.root(old),
                        &mth(&changed),
                        &proof
                    ));
                    assert!(!verify_consistency(
                        old,
                        new,
                        &mth(&changed[..old as usize]),
                        &t.root(new),
                        &proof
                    ));
                }
            }
        }
    }
}
