# Autograd: gradients of a one-layer model, switching tracking off, Jacobian-vector
# products, accumulation, control flow - worked through as in the autograd tutorials.
import numpy as np
import torch

rng = np.random.default_rng(0)  # fixed numbers, so that I can compare my runs
x = torch.ones(5)
y = torch.zeros(3)
w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print("z has a grad_fn:", z.grad_fn is not None, "loss:", round(loss.item(), 4))
loss.backward()
print("dw:", w.grad)
print("db:", b.grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z_det = (torch.matmul(x, w) + b).detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad, -2 * b == b.grad)

x = torch.arange(4.0)
x.requires_grad_(True)
print("grad before:", x.grad)
y = 2 * torch.dot(x, x)
y.backward()
print("grad of 2x.x:", x.grad, (x.grad == 4 * x).all().item())
x.grad.zero_()
y = x.sum()
y.backward()
print("grad of sum:", x.grad)
x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))
print("grad of x*x:", x.grad)
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print("detached:", (x.grad == u).tolist())
x.grad.zero_()
y.sum().backward()
print("through y:", (x.grad == 2 * x).tolist())


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    c = b if b.sum() > 0 else 100 * b
    return c


a = torch.tensor(0.37, requires_grad=True)
d = f(a)
d.backward()
print("control flow:", a.grad.item(), (a.grad == d / a).item())

x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
print("micrograd check:", y.data.item(), x.grad.item())
