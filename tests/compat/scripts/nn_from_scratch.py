# From raw tensors to nn.Module, optim, Dataset, DataLoader and a small CNN, refactoring
# one step at a time, as in "What is torch.nn really?" - on small synthetic 8x8 "digits".
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
centres = rng.standard_normal((10, 64)).astype(np.float32)
labels = rng.integers(0, 10, 600)
images = (centres[labels] + 0.8 * rng.standard_normal((600, 64))).astype(np.float32)
x_train, y_train, x_valid, y_valid = map(torch.tensor, (images[:500], labels[:500],
                                                        images[500:], labels[500:]))
n, c = x_train.shape
print(x_train.shape, y_train.min(), y_train.max())

weights = torch.tensor(rng.standard_normal((64, 10)) / math.sqrt(64), dtype=torch.float32)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


loss_func = nll
bs = 64
xb, yb = x_train[0:bs], y_train[0:bs]
preds = model(xb)
print("first predictions:", preds[0].detach(), preds.shape)
print("loss and accuracy before:", loss_func(preds, yb).item(), accuracy(preds, yb).item())

lr = 0.5
epochs = 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print("after training by hand:", loss_func(model(xb), yb).item(), accuracy(model(xb), yb).item())

loss_func = F.cross_entropy
print("cross_entropy:", loss_func(xb @ weights + bias, yb).item())


class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.tensor(rng.standard_normal((64, 10)) / 8,
                                                 dtype=torch.float32))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = MnistLogistic()
print("module loss:", loss_func(model(xb), yb).item())


def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()


fit()
print("after fit:", loss_func(model(xb), yb).item())


def fresh_linear():
    layer = nn.Linear(64, 10)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(rng.standard_normal((10, 64)) / 8))
        layer.bias.zero_()
    return layer


model = fresh_linear()
opt = optim.SGD(model.parameters(), lr=lr)
train_ds = TensorDataset(x_train, y_train)
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = train_ds[i * bs: i * bs + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
print("with optim and a dataset:", loss_func(model(xb), yb).item())

train_dl = DataLoader(train_ds, batch_size=bs)
valid_ds = TensorDataset(x_valid, y_valid)
valid_dl = DataLoader(valid_ds, batch_size=bs * 2)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def run_fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print("epoch", epoch, "validation loss", round(float(val_loss), 4))


model = fresh_linear()
run_fit(epochs, model, loss_func, optim.SGD(model.parameters(), lr=lr), train_dl, valid_dl)


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
cnn = nn.Sequential(
    Lambda(lambda x: x.view(-1, 1, 8, 8)),
    nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(4, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
for i, module in enumerate(m for m in cnn if isinstance(m, nn.Conv2d)):
    with torch.no_grad():
        module.weight.copy_(torch.tensor(rng.standard_normal(module.weight.shape) * 0.3))
        module.bias.fill_(0.01 * i)
cnn.to(dev)
print("pooled by hand:", F.avg_pool2d(x_valid[:2].view(-1, 1, 8, 8), 4).view(2, -1))
run_fit(epochs, cnn, loss_func, optim.SGD(cnn.parameters(), lr=0.1, momentum=0.9),
        [(xb.to(dev), yb.to(dev)) for xb, yb in train_dl], valid_dl)
