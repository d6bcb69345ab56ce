"""PyTorch's names around the Tensor (issue 16): devices, dtypes and type strings, the
``torch.Tensor`` constructor and the typed ones, ``to``/``type``/``cpu``/``cuda``, creation
functions with ``device=``, ``*_like``, ``new_*``, ``normal``, generators, ``__index__``."""

import numpy as np
import pytest

import tamrin

torch = pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")
LIBS = (tamrin, torch)


# ---- devices --------------------------------------------------------------------------------

def test_device_objects_behave_as_pytorch():
    for lib in LIBS:
        cpu = lib.device("cpu")
        assert str(cpu) == "cpu" and cpu.type == "cpu" and cpu.index is None
        assert repr(cpu) == "device(type='cpu')"
        assert lib.zeros(1).device == cpu and lib.zeros(1).device.type == "cpu"
        assert (lib.zeros(1).device == "cpu") is False  # a device is not equal to a string
        cuda = lib.device("cuda:1")
        assert (cuda.type, cuda.index, str(cuda)) == ("cuda", 1, "cuda:1")
        assert lib.device(lib.device("cpu")) == cpu and hash(lib.device("cpu")) == hash(cpu)
        with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
            lib.device("gpu")


def test_there_is_no_cuda_and_the_usual_idioms_pick_the_cpu():
    assert tamrin.cuda.is_available() is False and tamrin.cuda.device_count() == 0
    assert tamrin.backends.mps.is_available() is False
    assert tamrin.accelerator.is_available() is False
    assert tamrin.accelerator.current_accelerator() is None
    tamrin.cuda.manual_seed(0)
    tamrin.backends.cudnn.deterministic = True
    device = tamrin.device("cuda" if tamrin.cuda.is_available() else "cpu")
    x = tamrin.ones(2, device=device).to(device)
    assert x.device == tamrin.device("cpu") and not x.is_cuda


@pytest.mark.parametrize("use", [
    lambda: tamrin.ones(2).to("cuda"), lambda: tamrin.ones(2).to(tamrin.device("cuda:0")),
    lambda: tamrin.ones(2).cuda(), lambda: tamrin.zeros(2, device="cuda"),
    lambda: tamrin.tensor([1.0], device="cuda"), lambda: tamrin.randn(2, device="mps"),
    lambda: tamrin.nn.Linear(2, 2).cuda(), lambda: tamrin.nn.Linear(2, 2).to("cuda"),
    lambda: tamrin.set_default_device("cuda"), lambda: tamrin.Generator(device="cuda")])
def test_any_other_device_is_a_clear_error(use):
    with pytest.raises(RuntimeError, match="tamrin runs on the CPU only: no (CUDA|MPS) backend"):
        use()


def test_the_cpu_is_accepted_everywhere():
    tamrin.set_default_device("cpu")
    assert tamrin.get_default_device() == tamrin.device("cpu")
    x = tamrin.arange(3, device="cpu")
    assert x.cpu() is x and x.to("cpu") is x and x.to(tamrin.device("cpu")) is x
    model = tamrin.nn.Linear(2, 2)
    assert model.to("cpu") is model and model.cpu() is model


# ---- dtypes -----------------------------------------------------------------------------------

NAMES = ("float", "float32", "float64", "double", "half", "float16", "long", "int", "int32",
         "int64", "short", "int16", "int8", "uint8", "bool")


@pytest.mark.parametrize("name", NAMES)
def test_dtype_names_mean_what_they_mean_in_pytorch(name):
    ours, theirs = getattr(tamrin, name), getattr(torch, name)
    assert tamrin.zeros(1, dtype=ours).numpy().dtype == torch.zeros(1, dtype=theirs).numpy().dtype


@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "short", "byte",
                                    "bool"])
def test_conversions_and_type_strings(method):
    ours = getattr(tamrin.tensor([1.5, -2.0, 0.0]), method)()
    theirs = getattr(torch.tensor([1.5, -2.0, 0.0]), method)()
    assert ours.type() == theirs.type()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_type_converts_from_dtypes_strings_and_typed_constructors():
    for lib in LIBS:
        x = lib.tensor([1.7, 2.2])
        assert x.type() == "torch.FloatTensor"
        assert x.type(lib.float64).dtype == lib.float64
        assert x.type("torch.LongTensor").tolist() == [1, 2]
        assert x.type(lib.IntTensor).dtype == lib.int32


def test_tensor_constructor_is_pytorchs():
    for lib in LIBS:
        assert tuple(lib.Tensor(2, 3).shape) == (2, 3)
        assert lib.Tensor(2, 3).dtype == lib.float32
        assert lib.Tensor([1, 2]).dtype == lib.float32 and lib.Tensor([1, 2]).tolist() == [1, 2]
        assert lib.Tensor(np.array([1, 2])).dtype == lib.float32
        assert tuple(lib.Tensor().shape) == (0,)
        assert lib.Tensor((2, 3)).tolist() == [2.0, 3.0]
        assert isinstance(lib.tensor([1]), lib.Tensor)


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                                  "BoolTensor", "ByteTensor", "HalfTensor"])
def test_typed_constructors(name):
    ours, theirs = getattr(tamrin, name)([1, 0, 2]), getattr(torch, name)([1, 0, 2])
    assert ours.type() == theirs.type() and ours.tolist() == theirs.tolist()
    assert tuple(getattr(tamrin, name)(2, 3).shape) == (2, 3)


def test_to_takes_dtypes_devices_tensors_and_copy():
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0])
        assert x.to(lib.float64).dtype == lib.float64
        assert x.to("cpu", lib.float64).dtype == lib.float64
        assert x.to(dtype=lib.int64).dtype == lib.int64
        assert x.to(lib.zeros(1, dtype=lib.float64)).dtype == lib.float64
        assert x.to(lib.float32) is x and x.to(lib.float32, copy=True) is not x


def test_to_float64_stays_differentiable():
    x = tamrin.tensor([1.0, 2.0], requires_grad=True)
    (x.to(tamrin.float64) ** 2).sum().backward()
    assert x.grad.dtype == tamrin.float32 and x.grad.tolist() == [2.0, 4.0]


def test_module_to_converts_parameters_in_place():
    layer = tamrin.nn.Linear(2, 2)
    weight = layer.weight
    assert layer.to(tamrin.float64) is layer and layer.weight is weight
    assert weight.dtype == tamrin.float64
    layer.to(tamrin.zeros(1))
    assert weight.dtype == tamrin.float32
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        layer.to(tamrin.long)


# ---- creation -----------------------------------------------------------------------------

LIKE = ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]


@pytest.mark.parametrize("name", LIKE)
def test_like_functions_keep_shape_and_dtype(name):
    for dtype in ("float32", "float64"):
        ours = getattr(tamrin, name)(tamrin.zeros(2, 3, dtype=getattr(tamrin, dtype)))
        theirs = getattr(torch, name)(torch.zeros(2, 3, dtype=getattr(torch, dtype)))
        assert ours.shape == tuple(theirs.shape) and ours.type() == theirs.type()


def test_randint_like_full_like_and_new_functions():
    for lib in LIBS:
        x = lib.zeros(2, 3, dtype=lib.float64)
        r = lib.randint_like(x, 5)
        assert r.dtype == lib.float64 and r.min().item() >= 0 and r.max().item() < 5
        assert lib.full_like(x, 7).tolist() == [[7.0] * 3] * 2
        assert x.new_ones(2).type() == "torch.DoubleTensor"
        assert x.new_zeros((1, 2)).shape == (1, 2)
        assert x.new_full((2,), 3).tolist() == [3.0, 3.0]
        assert x.new_tensor([1, 2]).dtype == lib.float64
        assert x.new_empty(4).shape == (4,) and x.new_ones(2, dtype=lib.long).dtype == lib.long


def test_normal_draws_have_the_asked_moments_and_shapes():
    tamrin.manual_seed(0)
    assert tamrin.normal(0, 0.01, (2, 3)).shape == (2, 3)
    z = tamrin.normal(3.0, 2.0, size=(20000,))
    assert abs(z.mean().item() - 3) < 0.05 and abs(z.std().item() - 2) < 0.05
    means = tamrin.tensor([0.0, 100.0])
    draw = tamrin.normal(means, tamrin.tensor([0.001, 0.001]))
    np.testing.assert_allclose(draw.numpy(), [0, 100], atol=0.01)
    w = tamrin.normal(0, 0.01, (3, 1), requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.dtype == tamrin.float32
    with pytest.raises(RuntimeError, match="expected all std >= 0.0"):
        tamrin.normal(0.0, -1.0, (2,))


def test_generator_is_seedable_and_accepted_by_generator_arguments():
    g = tamrin.Generator().manual_seed(42)
    a = tamrin.randn(3, generator=g)
    b = tamrin.randn(3, generator=tamrin.Generator().manual_seed(42))
    assert a.tolist() == b.tolist() and g.initial_seed() == 42


def test_as_tensor_shares_what_it_can():
    a = np.zeros(3, np.float32)
    t = tamrin.as_tensor(a)
    a[0] = 1
    assert t[0].item() == 1.0 and tamrin.as_tensor(t) is t
    assert tamrin.as_tensor([1, 2], dtype=tamrin.float64).dtype == tamrin.float64


def test_integer_tensors_are_indices():
    for lib in LIBS:
        i = lib.tensor(2)
        assert [10, 20, 30][i] == 30 and list(range(i)) == [0, 1]
        with pytest.raises(TypeError):
            [1, 2][lib.tensor(1.0)]
    tags = tamrin.tensor([0, 2])
    table = tamrin.arange(9.0).reshape(3, 3)
    assert table[tags[1], tags[0]].item() == 6.0


def test_is_tensor_numel_and_element_size():
    assert tamrin.is_tensor(tamrin.ones(1)) and not tamrin.is_tensor(np.ones(1))
    assert tamrin.ones(2, 3).element_size() == 4
