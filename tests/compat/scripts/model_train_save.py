# Building a classifier as a class, the optimisation loop (train and test), and saving and
# loading the weights - the basics tutorials' path, on a made-up 28x28 image dataset.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

device = (torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
          else "cpu")
print(f"Using {device} device")


class Blobs(Dataset):
    """Images of class k are noise around a fixed pattern k."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        patterns = np.random.default_rng(99).random((3, 28, 28)).astype(np.float32)
        self.labels = rng.integers(0, 3, n)
        self.images = patterns[self.labels] + 0.3 * rng.random((n, 28, 28)).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return torch.tensor(self.images[idx]), int(self.labels[idx])


training_data, test_data = Blobs(96, 0), Blobs(48, 1)
train_dataloader = DataLoader(training_data, batch_size=16, shuffle=False, num_workers=2)
test_dataloader = DataLoader(test_data, batch_size=16)
for X, y in test_dataloader:
    print(f"Shape of X [N, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 3),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def deterministic(model, seed=0):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.tensor(rng.uniform(-0.05, 0.05, tuple(param.shape))))
    return model


model = deterministic(NeuralNetwork()).to(device)
print(model)

X = torch.tensor(np.random.default_rng(5).random((1, 28, 28)), dtype=torch.float32,
                 device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}", pred_probab.detach())

input_image = torch.tensor(np.random.default_rng(6).random((3, 28, 28)), dtype=torch.float32)
flat_image = nn.Flatten()(input_image)
print(flat_image.size())
layer1 = deterministic(nn.Linear(in_features=28 * 28, out_features=20))
hidden1 = layer1(flat_image)
print(hidden1.size())
hidden1 = nn.ReLU()(hidden1)
print("After ReLU, positive:", (hidden1 > 0).sum().item())

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2].detach().sum()} \n")

learning_rate = 1e-1
batch_size = 16
epochs = 3
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 3 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")

torch.save(model.state_dict(), "model_weights.pth")
model2 = NeuralNetwork()
model2.load_state_dict(torch.load("model_weights.pth", weights_only=True))
model2.eval()
with torch.no_grad():
    print("reloaded model agrees:", torch.equal(model2(X), model(X)))
print("zero_grad leaves None:", [p.grad is None for p in model.parameters()])
loss_fn(model(X), torch.tensor([1])).backward()
optimizer.zero_grad(set_to_none=False)
print("or zeros:", [p.grad.abs().sum().item() for p in model.parameters()])
