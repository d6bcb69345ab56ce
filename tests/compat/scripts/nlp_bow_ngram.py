# NLP with PyTorch, part 1: tensor basics with views and concatenation, a bag-of-words
# logistic regression classifier, and an N-gram language model with word embeddings.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(7)


def fixed(module):
    """Start every parameter from the same numbers, whatever the library."""
    for p in module.parameters():
        with torch.no_grad():
            p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape))))
    return module


V_data = [1.0, 2.0, 3.0]
V = torch.tensor(V_data)
M = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
T = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])
print(V[0], V[0].item(), M[0], T[0])
x = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
print(x.view(2, 12).shape, x.view(2, -1).shape)
x_1 = torch.tensor(rng.standard_normal((2, 5)), dtype=torch.float32)
y_1 = torch.tensor(rng.standard_normal((3, 5)), dtype=torch.float32)
print(torch.cat([x_1, y_1]).shape, torch.cat([x_1, x_1], 1).shape)
lin = fixed(nn.Linear(5, 3))
print(lin(x_1).detach())
data = torch.tensor(rng.standard_normal((2, 2)), dtype=torch.float32)
print(F.relu(data), F.softmax(data[0], dim=0), F.softmax(data[0], dim=0).sum(),
      F.log_softmax(data[0], dim=0))

data = [("me gusta comer en la cafeteria".split(), "SPANISH"),
        ("Give it to me".split(), "ENGLISH"),
        ("No creo que sea una buena idea".split(), "SPANISH"),
        ("No it is not a good idea to get lost at sea".split(), "ENGLISH")]
test_data = [("Yo creo que si".split(), "SPANISH"),
             ("it is lost on me".split(), "ENGLISH")]
word_to_ix = {}
for sent, _ in data + test_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
VOCAB_SIZE, NUM_LABELS = len(word_to_ix), 2
label_to_ix = {"SPANISH": 0, "ENGLISH": 1}


class BoWClassifier(nn.Module):
    def __init__(self, num_labels, vocab_size):
        super().__init__()
        self.linear = nn.Linear(vocab_size, num_labels)

    def forward(self, bow_vec):
        return F.log_softmax(self.linear(bow_vec), dim=1)


def make_bow_vector(sentence, word_to_ix):
    vec = torch.zeros(len(word_to_ix))
    for word in sentence:
        vec[word_to_ix[word]] += 1
    return vec.view(1, -1)


def make_target(label, label_to_ix):
    return torch.LongTensor([label_to_ix[label]])


model = fixed(BoWClassifier(NUM_LABELS, VOCAB_SIZE))
with torch.no_grad():
    for instance, label in test_data:
        print(model(make_bow_vector(instance, word_to_ix)))
print(next(model.parameters())[:, word_to_ix["creo"]].detach())
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
for epoch in range(50):
    for instance, label in data:
        model.zero_grad()
        bow_vec = make_bow_vector(instance, word_to_ix)
        target = make_target(label, label_to_ix)
        loss = loss_function(model(bow_vec), target)
        loss.backward()
        optimizer.step()
with torch.no_grad():
    for instance, label in test_data:
        print(model(make_bow_vector(instance, word_to_ix)))
print(next(model.parameters())[:, word_to_ix["creo"]].detach())

word_to_ix = {"hello": 0, "world": 1}
embeds = fixed(nn.Embedding(2, 5))
lookup_tensor = torch.tensor([word_to_ix["hello"]], dtype=torch.long)
print(embeds(lookup_tensor).detach())

CONTEXT_SIZE, EMBEDDING_DIM = 2, 6
test_sentence = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held""".split()
ngrams = [([test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)], test_sentence[i])
          for i in range(CONTEXT_SIZE, len(test_sentence))]
vocab = sorted(set(test_sentence))
word_to_ix = {word: i for i, word in enumerate(vocab)}


class NGramLanguageModeler(nn.Module):
    def __init__(self, vocab_size, embedding_dim, context_size):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 32)
        self.linear2 = nn.Linear(32, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        out = F.relu(self.linear1(embeds))
        return F.log_softmax(self.linear2(out), dim=1)


losses = []
model = fixed(NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE))
optimizer = optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    total_loss = 0
    for context, target in ngrams:
        context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
        model.zero_grad()
        log_probs = model(context_idxs)
        loss = F.nll_loss(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    losses.append(total_loss)
print(losses)
print(model.embeddings.weight[word_to_ix["beauty's"]].detach())
