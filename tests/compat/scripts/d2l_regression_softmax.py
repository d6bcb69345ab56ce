# Linear regression and softmax regression, from scratch and concise, as in d2l chapters
# 3 and 4: minibatches, my own SGD, weight decay, lazy layers, cross-entropy, accuracy.
import random

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

rng = np.random.default_rng(3)
true_w, true_b = torch.tensor([2, -3.4]), 4.2
X = torch.tensor(rng.standard_normal((200, 2)), dtype=torch.float32)
noise = torch.tensor(rng.standard_normal((200, 1)), dtype=torch.float32) * 0.01
y = torch.matmul(X, true_w.reshape((-1, 1))) + true_b + noise
print("features:", X[0], "label:", y[0])

random.seed(0)
order = list(range(200))
random.shuffle(order)


def data_iter(batch_size):
    for i in range(0, 200, batch_size):
        batch_indices = torch.tensor(order[i: i + batch_size])
        yield X[batch_indices], y[batch_indices]


w = torch.tensor(rng.normal(0, 0.01, (2, 1)), dtype=torch.float32, requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


optimizer = SGD([w, b], lr=0.03)
for epoch in range(3):
    for X_batch, y_batch in data_iter(10):
        loss = squared_loss(linreg(X_batch, w, b), y_batch).sum()
        optimizer.zero_grad()
        with torch.enable_grad():
            loss.backward()
        with torch.no_grad():
            optimizer.step()
    with torch.no_grad():
        print(f"epoch {epoch + 1}, loss {float(squared_loss(linreg(X, w, b), y).mean()):f}")
print(f"error in estimating w: {true_w - w.reshape(true_w.shape)}")
print(f"error in estimating b: {true_b - b}")

dataset = torch.utils.data.TensorDataset(X, y)
loader = torch.utils.data.DataLoader(dataset, batch_size=20, shuffle=False)
net = nn.LazyLinear(1)
net(X[:1])
net.weight.data.fill_(0.01)
net.bias.data.fill_(0)
loss = nn.MSELoss()
trainer = torch.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(3):
    for X_batch, y_batch in loader:
        trainer.zero_grad()
        l = loss(net(X_batch), y_batch)
        l.backward()
        trainer.step()
    print(f"concise epoch {epoch + 1}, loss {loss(net(X), y).item():f}")
print("w:", net.weight.data, "b:", net.bias.data)

net = nn.LazyLinear(1)
net(X[:1])
nn.init.constant_(net.weight, 0.5)
nn.init.zeros_(net.bias)
trainer = torch.optim.SGD([{"params": net.weight, "weight_decay": 3.0},
                           {"params": net.bias}], lr=0.01)
for _ in range(3):
    for X_batch, y_batch in loader:
        trainer.zero_grad()
        loss(net(X_batch), y_batch).backward()
        trainer.step()
print("with weight decay, L2 norm of w:", net.weight.norm().item())


def l2_penalty(w):
    return (w ** 2).sum() / 2


print("penalty:", l2_penalty(torch.tensor([3.0, 4.0])).item())

# softmax regression from scratch
X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdims=True), X.sum(1, keepdims=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdims=True)
    return X_exp / partition


X_prob = softmax(torch.tensor(rng.random((2, 5)), dtype=torch.float32))
print(X_prob, X_prob.sum(1))
y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()


print("cross entropy:", cross_entropy(y_hat, y))


def accuracy(y_hat, y):
    y_hat = y_hat.argmax(axis=1)
    cmp = (y_hat.type(y.dtype) == y.reshape(-1)).type(torch.float32)
    return cmp.mean() if len(cmp) else 0


print("accuracy:", accuracy(y_hat, y))

centres = rng.standard_normal((3, 16)).astype(np.float32)
labels = rng.integers(0, 3, 120)
images = torch.tensor(centres[labels] + rng.standard_normal((120, 16)).astype(np.float32))
labels = torch.tensor(labels)
W = torch.tensor(rng.normal(0, 0.01, (16, 3)), dtype=torch.float32, requires_grad=True)
b = torch.zeros(3, requires_grad=True)


def model(X):
    X = X.reshape((-1, W.shape[0]))
    return softmax(torch.matmul(X, W) + b)


for epoch in range(5):
    for i in range(0, 120, 30):
        l = cross_entropy(model(images[i:i + 30]), labels[i:i + 30])
        l.backward()
        with torch.no_grad():
            for param in (W, b):
                param -= 0.1 * param.grad
                param.grad.zero_()
    with torch.no_grad():
        print(f"scratch epoch {epoch}: loss {cross_entropy(model(images), labels):.4f}, "
              f"accuracy {accuracy(model(images), labels):.3f}")

net = nn.Sequential(nn.Flatten(), nn.LazyLinear(3))
net(images[:1])
net[1].weight.data.fill_(0.01)
net[1].bias.data.zero_()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(5):
    for i in range(0, 120, 30):
        Y_hat = net(images[i:i + 30])
        l = F.cross_entropy(Y_hat, labels[i:i + 30], reduction="mean")
        opt.zero_grad()
        l.backward()
        opt.step()
    per_sample = F.cross_entropy(net(images), labels, reduction="none")
    print(f"concise epoch {epoch}: loss {per_sample.mean().item():.4f}, "
          f"accuracy {accuracy(net(images), labels):.3f}")
