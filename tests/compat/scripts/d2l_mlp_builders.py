# Multilayer perceptrons, dropout and the builders' guide (d2l chapters 5 and 6): layers
# and blocks, parameter access and sharing, initialisation, lazy shapes, custom layers,
# file I/O and devices.
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

rng = np.random.default_rng(21)


def numbers(*shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float32)


# MLP from scratch, with ReLU written as an elementwise max
class MLPScratch(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_inputs = num_inputs
        self.W1 = nn.Parameter(numbers(num_inputs, num_hiddens) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(numbers(num_hiddens, num_outputs) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X):
        X = X.reshape((-1, self.num_inputs))
        H = relu(torch.matmul(X, self.W1) + self.b1)
        return torch.matmul(H, self.W2) + self.b2


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


X = numbers(4, 2, 4)
mlp = MLPScratch(8, 3, 16, sigma=0.5)
print("scratch MLP:", mlp(X).detach())
print(list(name for name, _ in mlp.named_parameters()))


def dropout_layer(X, dropout, mask_draws):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (mask_draws > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
draws = torch.tensor(rng.random((2, 8)), dtype=torch.float32)
print("dropout_p = 0:", dropout_layer(X, 0, draws))
print("dropout_p = 0.5:", dropout_layer(X, 0.5, draws))
print("dropout_p = 1:", dropout_layer(X, 1, draws))
layer = nn.Dropout(0.5)
layer.eval()
print("dropout in eval mode:", layer(X))

# layers and modules
net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
X = torch.tensor(rng.random((2, 20)), dtype=torch.float32)
print("lazy sequential:", net(X).shape, net[0].weight.shape)


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        for module in self.children():
            X = module(X)
        return X


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.tensor(rng.random((20, 20)), dtype=torch.float32)
        self.linear = nn.Linear(20, 20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


def init_constant(module):
    if type(module) is nn.Linear:
        nn.init.constant_(module.weight, 0.01)
        nn.init.zeros_(module.bias)


for model in (MySequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10)), FixedHiddenMLP()):
    model.apply(init_constant)
    out = model(X)
    out.sum().backward()
    grads = [p.grad.abs().sum().item() for p in model.parameters()]
    print(type(model).__name__, out.detach().sum().item(), grads)

# parameter management
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.tensor(rng.random((2, 4)), dtype=torch.float32)
net(X)
net.apply(init_constant)
print(net[2].state_dict().keys(), [v.shape for v in net[2].state_dict().values()])
print(type(net[2].bias).__name__, net[2].bias.data)
print(net[2].weight.grad is None)
print([(name, param.shape) for name, param in net.named_parameters()])


def init_weight(module):
    if type(module) is nn.Linear:
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5


net.apply(init_weight)
kept = net[0].weight.data.abs()
print("zeroed below 5:", ((kept == 0) | (kept >= 5)).all().item())
net[0].weight.data[:] = 1.0
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
print(net[0].weight.data[0])

shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                    nn.LazyLinear(1))
net(X)
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
print(net[2].weight.data[0] == net[4].weight.data[0])
print("shared once in parameters():", len(list(net.parameters())))

net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
print("before the first call:", type(net[0].weight).__name__)
net(X)
print("after:", net[0].weight.shape)


class CenteredLayer(nn.Module):
    def forward(self, X):
        return X - X.mean()


layer = CenteredLayer()
print(layer(torch.tensor([1.0, 2, 3, 4, 5])))
net = nn.Sequential(nn.LazyLinear(128), CenteredLayer())
print("mean after centring ~ 0:", abs(net(torch.rand(4, 8)).mean().item()) < 1e-5)


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(numbers(in_units, units))
        self.bias = nn.Parameter(numbers(units))

    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)


linear = MyLinear(5, 3)
print(linear.weight.shape, linear(torch.ones(2, 5)))

# file I/O: a dict of tensors and a state dict
x = torch.arange(4)
y = torch.zeros(4)
torch.save({"x": x, "y": y}, "mydict")
mydict2 = torch.load("mydict")
print(mydict2["x"], mydict2["y"])
net = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 10))
net.apply(init_constant)
Y = net(torch.cat([X] * 5, 1))
torch.save(net.state_dict(), "mlp.params")
clone = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 10))
clone.load_state_dict(torch.load("mlp.params"))
clone.eval()
Y_clone = clone(torch.cat([X] * 5, 1))
print((Y_clone == Y).all().item())

# devices
print(torch.device("cpu"), torch.cuda.device_count())


def try_gpu(i=0):
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


x = torch.tensor([1, 2, 3], device=try_gpu())
print(x.device, x.device == try_gpu())
net = nn.Sequential(nn.LazyLinear(1))
net = net.to(device=try_gpu())
print(net(torch.ones(2, 3, device=try_gpu())).shape, net[0].weight.data.device)
