# Fitting y = sin(x) with a cubic, five ways: gradients by hand, autograd, my own autograd
# Function, nn with manual updates, and an optimizer - then a module with a changing depth.
import math

import torch

dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 200, device=device, dtype=dtype)
y = torch.sin(x)
start = [0.1, -0.2, 0.05, 0.01]  # fixed starting coefficients instead of randn

# 1. tensors, gradients by hand
a, b, c, d = (torch.full((), v, device=device, dtype=dtype) for v in start)
learning_rate = 5e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print("by hand", t, round(loss, 3))
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")

# 2. autograd, updating the leaves under no_grad
a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in start)
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print("autograd", t, round(loss.item(), 3))
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")


# 3. a Legendre polynomial as my own autograd Function
class Legendre3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


a, b, c, d = (torch.full((), v, dtype=dtype, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
learning_rate = 5e-6
for t in range(300):
    P3 = Legendre3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print("custom function", t, round(loss.item(), 3))
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad
            p.grad = None
print(f"Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")

# 4. nn: features x, x^2, x^3 and a linear layer, updated by hand
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, 0.0, -0.1]]))
    model[0].bias.fill_(0.0)
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-6
for t in range(300):
    loss = loss_fn(model(xx), y)
    if t % 100 == 99:
        print("nn", t, round(loss.item(), 3))
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(f"Result: y = {linear_layer.bias.item():.4f} + {linear_layer.weight[:, 0].item():.4f} x"
      f" + {linear_layer.weight[:, 1].item():.4f} x^2 + {linear_layer.weight[:, 2].item():.4f} x^3")

# 5. the same with an optimizer, on a target with an x^2 part (RMSprop would turn the
# rounding noise of a zero gradient into full-size steps)
y2 = y + 0.2 * x ** 2
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, 0.0, -0.1]]))
    model[0].bias.zero_()
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(300):
    loss = loss_fn(model(xx), y2)
    if t % 100 == 99:
        print("optim", t, round(loss.item(), 3))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("weights", model[0].weight.detach().numpy().round(4).tolist())


# 6. a module with its own parameters, and one whose depth changes from call to call
class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.1))
        self.b = torch.nn.Parameter(torch.tensor(0.5))
        self.c = torch.nn.Parameter(torch.tensor(0.0))
        self.d = torch.nn.Parameter(torch.tensor(-0.05))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f"y = {self.a.item():.4f} + {self.b.item():.4f} x + {self.c.item():.4f} x^2 + " \
               f"{self.d.item():.4f} x^3"


class DynamicNet(Polynomial3):
    def __init__(self):
        super().__init__()
        self.e = torch.nn.Parameter(torch.tensor(0.0))

    def forward(self, x, depth):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, depth):
            y = y + self.e * x ** exp
        return y


runs = [(Polynomial3(), 1e-6, lambda model, t: model(x)),
        (DynamicNet(), 1e-8, lambda model, t: model(x, 4 + t % 3))]
for model, lr, predict in runs:
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for t in range(300):
        loss = criterion(predict(model, t), y)
        if t % 100 == 99:
            print(type(model).__name__, t, round(loss.item(), 3))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"Result: {model.string()}")
