// Package data is the text pipeline for training and evaluation: it resolves a
// data set name, verifies and splits the corpus, cuts it into fixed-length
// sequences of token ids, and serves them in batches.
//
// # Choosing a corpus
//
// Open takes the value of the trainer's and evaluator's --data flag:
//
//   - "shakespeare": Tiny Shakespeare, built into the binary (no network, no
//     files). The original 1,115,394-byte text, normalised to the text8
//     alphabet (about 1.06M characters), is stored gzipped in corpus/ and
//     checked against its SHA-256 when loaded.
//   - "text8": Matt Mahoney's text8 (100,000,000 characters). The first use
//     downloads http://mattmahoney.net/dc/text8.zip into the cache folder
//     (WithCacheDir; default os.UserCacheDir()/rdlm), but only after the
//     download has been verified, and atomically, so an interrupted or
//     corrupted download never lands in the cache. Later uses read the cache.
//   - a path to a file named "text8" or "text8.zip": a local copy of text8,
//     verified the same way.
//   - any other path: a text file. By default it is normalised to the text8
//     alphabet (text.NormalizeText8) so that text8 models and the widget serve
//     it; WithCharVocab instead keeps the text as it is, with a vocabulary of
//     its own characters (sorted by code point).
//   - images (images.go): "mnist" (28x28), "mnist14" (averaged to 14x14),
//     "cifar10" (downloaded once, verified), or a folder of the MNIST .gz
//     files, a cifar-10-batches-bin folder or cifar-10-binary.tar.gz. A
//     value of 256 levels is one token (vocabulary pixel256) or, with
//     WithPixelBase(16), two base-16 digits (pixel16); Corpus.Image says so.
//
// The names win over files: to open a file called "text8" or "shakespeare" in
// the current folder, write "./text8". Every text8 copy is checked for its size
// (100,000,000 bytes), the anchors (it starts " anarchism originated as a term
// of abuse", byte 90,000,000 is 'e', it ends "one nine six five b") and its
// SHA-256; a truncated or corrupted copy is an error naming the file, never a
// silently shorter data set.
//
// # Splits
//
// A corpus is split by position: [0, 90%) train, [90%, 95%) valid,
// [95%, 100%) test (positions rounded down), which for text8 gives the
// standard [0, 90M), [90M, 95M), [95M, 100M).
//
// # Sequences and batches
//
// Split.Sequences(L) cuts a split into non-overlapping L-token sequences,
// dropping the incomplete last one as the reference does. Batches serves
// (B, L) int32 training batches in a shuffled order, a fresh permutation per
// epoch derived from core/rng, and reports a Position that --resume restores
// with Seek to continue exactly where training stopped; it allocates nothing
// per batch. Evaluation reads a split's Sequences directly (trainer/eval).
//
// Token ids are stored one byte each (text8 is 100 MB in memory, not 400), so
// a vocabulary has at most 256 characters.
package data
