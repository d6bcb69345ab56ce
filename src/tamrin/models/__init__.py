"""tamrin.models: ready-made models, classical and neural."""

from tamrin.models import classical
from tamrin.models.autoencoder import Autoencoder, AutoencoderBase
from tamrin.models.classical import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    Ridge,
    SoftmaxRegression,
)
from tamrin.models.conv_autoencoder import ConvAutoencoder
from tamrin.models.denoising import DenoisingAutoencoder, corrupt
from tamrin.models.lenet import LeNet5
from tamrin.models.mlp import MLP
from tamrin.models.resnet import BasicBlock, ResNet
from tamrin.models.rnn_classifier import RNNClassifier
from tamrin.models.word2vec import Word2Vec, skipgram_pairs
