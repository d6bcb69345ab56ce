# The 60-minute blitz network: a LeNet on a 32x32 input, its parameters, a backward pass,
# a loss, updating the weights by hand through .data and then with an optimizer.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        return self.fc3(f6)


rng = np.random.default_rng(1)
net = Net()
for p in net.parameters():  # the same starting point in every run
    p.data = torch.tensor(rng.uniform(-0.1, 0.1, tuple(p.shape)), dtype=torch.float32)
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())

input = torch.tensor(rng.standard_normal((1, 1, 32, 32)), dtype=torch.float32)
out = net(input)
print(out.detach())

net.zero_grad()
out.backward(torch.tensor(rng.standard_normal((1, 10)), dtype=torch.float32))
print("conv1.bias.grad after a backward with a random gradient:", net.conv1.bias.grad)

output = net(input)
target = torch.arange(10, dtype=torch.float32) / 10
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss.item())
print("a graph behind the loss:", loss.grad_fn is not None,
      len(loss.grad_fn.next_functions) > 0)

net.zero_grad()
print("conv1.bias.grad before backward")
print(net.conv1.bias.grad)
loss.backward()
print("conv1.bias.grad after backward")
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print("after a manual step:", criterion(net(input), target).item())

optimizer = optim.SGD(net.parameters(), lr=0.01)
for step in range(5):
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()
    print("step", step, round(loss.item(), 6))
