# Convolutions from scratch and with layers, padding and strides, channels, pooling, LeNet,
# batch normalisation from scratch, a residual block and dense concatenation (d2l ch. 7-8).
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

rng = np.random.default_rng(5)


def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
print(corr2d(X, K))


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(rng.random(kernel_size), dtype=torch.float32))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


X = torch.ones((6, 8))
X[:, 2:6] = 0
K = torch.tensor([[1.0, -1.0]])
Y = corr2d(X, K)
print(Y)
print(corr2d(X.t(), K))

layer = Conv2D((1, 2))
for _ in range(10):
    l = (layer(X) - Y) ** 2
    layer.zero_grad()
    l.sum().backward()
    with torch.no_grad():
        layer.weight -= 1e-2 * layer.weight.grad
        layer.bias -= 1e-2 * layer.bias.grad
print("my Conv2D learnt:", layer.weight.data, layer.bias.data)

conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)
X = X.reshape((1, 1, 6, 8))
Y = Y.reshape((1, 1, 6, 7))
conv2d(X)
conv2d.weight.data[:] = torch.tensor([[[[0.3, 0.2]]]])
lr = 3e-2
for i in range(10):
    Y_hat = conv2d(X)
    l = (Y_hat - Y) ** 2
    conv2d.zero_grad()
    l.sum().backward()
    conv2d.weight.data[:] -= lr * conv2d.weight.grad
    if (i + 1) % 2 == 0:
        print(f"epoch {i + 1}, loss {l.sum():.3f}")
print(conv2d.weight.data.reshape((1, 2)))


def comp_conv2d(conv2d, X):
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    return Y.reshape(Y.shape[2:])


X = torch.tensor(rng.random((8, 8)), dtype=torch.float32)
for conv in (nn.LazyConv2d(1, kernel_size=3, padding=1),
             nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1)),
             nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2),
             nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))):
    print("output shape:", comp_conv2d(conv, X).shape)


def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))


X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                  [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
print(corr2d_multi_in(X, K))


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


K = torch.stack((K, K + 1, K + 2), 0)
print(K.shape, corr2d_multi_in_out(X, K))


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


X = torch.tensor(rng.standard_normal((3, 3, 3)), dtype=torch.float32)
K = torch.tensor(rng.standard_normal((2, 3, 1, 1)), dtype=torch.float32)
Y1 = corr2d_multi_in_out_1x1(X, K)
Y2 = corr2d_multi_in_out(X, K)
print("1x1 by matmul:", float(torch.abs(Y1 - Y2).sum()) < 1e-5)


def pool2d(X, pool_size, mode="max"):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == "max":
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == "avg":
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
print(pool2d(X, (2, 2)), pool2d(X, (2, 2), "avg"))
X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
print(nn.MaxPool2d(3)(X), nn.MaxPool2d(3, padding=1, stride=2)(X))
print(nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))(X))
X = torch.cat((X, X + 1), 1)
print(nn.MaxPool2d(3, padding=1, stride=2)(X))

lenet = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.LazyLinear(120), nn.Sigmoid(),
    nn.LazyLinear(84), nn.Sigmoid(),
    nn.LazyLinear(10))
X = torch.tensor(rng.random((1, 1, 28, 28)), dtype=torch.float32)
for layer in lenet:
    X = layer(X)
    print(layer.__class__.__name__, "output shape:\t", X.shape)


def init_cnn(module):
    if type(module) is nn.Linear or type(module) is nn.Conv2d:
        nn.init.constant_(module.weight, 0.02)
        nn.init.zeros_(module.bias)


lenet.apply(init_cnn)
print("LeNet output:", lenet(torch.ones(2, 1, 28, 28)).detach())


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var, eps=1e-5,
            momentum=0.1)
        return Y


X = torch.tensor(rng.standard_normal((4, 3, 5, 5)), dtype=torch.float32)
mine, theirs = BatchNorm(3, num_dims=4), nn.LazyBatchNorm2d()
Y_mine, Y_layer = mine(X), theirs(X)
print("my batch norm = the layer:", float((Y_mine - Y_layer).abs().max().detach()) < 1e-4)
(Y_mine ** 2).sum().backward()
print("gamma grad:", mine.gamma.grad.reshape(-1))
print("moving mean:", mine.moving_mean.reshape(-1), theirs.running_mean)
with torch.no_grad():
    print("eval:", mine(X).sum().item())


class Residual(nn.Module):
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=strides) \
            if use_1x1conv else None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


for blk in (Residual(3), Residual(6, use_1x1conv=True, strides=2)):
    Y = blk(X)
    blk.apply(init_cnn)
    Y = blk(X)
    Y.sum().backward()
    print("residual block:", Y.shape, Y.sum().item(), blk.conv1.weight.grad.abs().sum().item())


def conv_block(num_channels):
    return nn.Sequential(nn.LazyBatchNorm2d(), nn.ReLU(),
                         nn.LazyConv2d(num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, num_channels):
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels) for _ in range(num_convs)])

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


blk = DenseBlock(2, 10)
blk(X)  # the shapes first, then the initialisation (lazy layers are not Conv2d before)
blk.apply(init_cnn)
Y = blk(X)
print("dense block:", Y.shape, Y.sum().item())
nin_head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
print("global average pooling:", nin_head(X))
