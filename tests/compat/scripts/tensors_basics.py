# Tensors: making them, their attributes, indexing, joining, arithmetic, in-place updates
# and the bridge with NumPy - my notes from the tensor tutorials, written out to run.
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
print("from list and numpy:", x_data.tolist(), x_np.tolist(), x_data.dtype == torch.int64)

x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print("ones like:", x_ones.tolist(), "rand like is float:", x_rand.dtype == torch.float32)
print("rand like in [0, 1):", bool(((x_rand >= 0) & (x_rand < 1)).all()))

shape = (2, 3,)
print("shapes:", torch.rand(shape).shape, torch.ones(shape).shape, torch.zeros(shape).sum())

tensor = torch.arange(12, dtype=torch.float32).reshape(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
device = "cuda" if torch.cuda.is_available() else "cpu"
tensor = tensor.to(device)
print("moved to", tensor.device.type)

tensor = torch.ones(4, 4)
print("First row:", tensor[0])
print("First column:", tensor[:, 0])
print("Last column:", tensor[..., -1])
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print("cat:", t1.shape, t1.sum().item())

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(tensor)
torch.matmul(tensor, tensor.T, out=y3)
print("matmul three ways:", y1.sum().item(), y2.sum().item(), y3.sum().item())

z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print("mul three ways:", z1.sum().item(), z2.sum().item(), z3.sum().item())

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item).__name__)

tensor.add_(5)
print("after add_:", tensor)

t = torch.ones(5)
n = t.numpy()
t.add_(1)
print(f"t: {t}  n: {n}")
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}  n: {n}")

# The d2l way: arange, reshape, broadcasting, slicing assignments, memory of in-place ops
X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print("cat dims:", torch.cat((X, Y), dim=0).shape, torch.cat((X, Y), dim=1).shape)
print("equal:", (X == Y).tolist())
print("exp:", torch.exp(X)[0].tolist())
a = torch.arange(3).reshape((3, 1))
b = torch.arange(2).reshape((1, 2))
print("broadcast:", (a + b).tolist())
X[1, 2] = 17
X[:2, :] = 12
print("assigned:", X.tolist())
Z = torch.zeros_like(Y)
before = id(Z)
Z[:] = X + Y
print("same object after Z[:] =:", id(Z) == before)
before = id(X)
X += Y
print("same object after X +=:", id(X) == before, X.sum().item())
A = X.numpy()
B = torch.from_numpy(A)
print(type(A).__name__, type(B).__name__, B.sum().item())
s = torch.tensor([3.5])
print(s, s.item(), float(s), int(s))

# Linear algebra with d2l's names
A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
B = A.clone()
print("A + B:", (A + B).tolist(), "Hadamard:", (A * B).tolist())
print("sums:", A.sum(axis=0).tolist(), A.sum(axis=1).tolist(), A.sum(axis=[0, 1]).item())
print("mean:", A.mean().item(), A.sum() / A.numel(), A.mean(axis=0).tolist())
print("keepdims:", A.sum(axis=1, keepdims=True).tolist())
print("cumsum:", A.cumsum(axis=0).tolist())
x = torch.arange(3, dtype=torch.float32)
y = torch.ones(3, dtype=torch.float32)
print("dot:", torch.dot(x, y).item(), torch.sum(x * y).item())
print("mv:", torch.mv(A, x).tolist(), (A @ x).tolist())
print("mm:", torch.mm(A, torch.ones(3, 4)).tolist())
u = torch.tensor([3.0, -4.0])
print("norms:", torch.norm(u).item(), torch.abs(u).sum().item(), torch.norm(torch.ones((4, 9))))
print("transpose:", A.T.shape, (A.T.T == A).all().item())
print("types:", A.type(), A.long().type(), A.int().dtype, A.double().type(), (A > 2).type())
print("max:", torch.max(A).item(), torch.max(A, dim=1).values.tolist(), A.argmax(1).tolist())
print("elementwise max:", torch.max(A, torch.full((2, 3), 2.5)).tolist())
