"""tamrin.data: datasets, loaders, splits, transforms and text tools."""

from tamrin.data import transforms
from tamrin.data.cache import data_dir
from tamrin.data.dataset import Dataset, Subset, TensorDataset
from tamrin.data.datasets import (
    Bunch,
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_fashion_mnist,
    load_iris,
    load_mnist,
    load_wine,
)
from tamrin.data.idx import IDXError, read_idx, write_idx
from tamrin.data.loader import DataLoader, default_collate
from tamrin.data.sentiment import SentimentData, SentimentSplit, load_sentiment
from tamrin.data.split import GroupKFold, KFold, StratifiedKFold, train_test_split
from tamrin.data.synthetic import (
    make_blobs,
    make_circles,
    make_linear,
    make_moons,
    make_spirals,
    make_xor,
)
from tamrin.data.text import (
    BPETokenizer,
    Tokenizer,
    Vocab,
    collate_tokens,
    pad_sequences,
    word_tokenize,
)
