"""The problem types, one module each; ``PROBLEMS`` maps each id to its problem, in the
order of the course (the ten of the issue, then the extra ones)."""

from tamrin.homework.problem import Problem
from tamrin.homework.problems.adam_moments import AdamMoments
from tamrin.homework.problems.backprop_222 import Backprop222
from tamrin.homework.problems.batch_norm_forward import BatchNormForward
from tamrin.homework.problems.cnn_table import CnnTable
from tamrin.homework.problems.conv_backward import ConvBackward
from tamrin.homework.problems.conv_output_size import ConvOutputSize
from tamrin.homework.problems.edge_kernel import EdgeKernel
from tamrin.homework.problems.grad_cam_weights import GradCamWeights
from tamrin.homework.problems.init_variance import InitVariance
from tamrin.homework.problems.linear_regression import LinearRegressionProblem
from tamrin.homework.problems.noise_l2 import NoiseL2
from tamrin.homework.problems.obd_saliency import ObdSaliency
from tamrin.homework.problems.precision_recall import PrecisionRecall
from tamrin.homework.problems.rnn_step import RnnStep
from tamrin.homework.problems.softmax_ce_gradient import SoftmaxCeGradient
from tamrin.homework.problems.word2vec_gradients import Word2VecGradients
from tamrin.homework.problems.zero_init import ZeroInit

PROBLEMS: dict[str, Problem] = {p.id: p for p in (
    Backprop222(), CnnTable(), EdgeKernel(), ConvBackward(), ZeroInit(), Word2VecGradients(),
    AdamMoments(), InitVariance(), NoiseL2(), PrecisionRecall(),
    ConvOutputSize(), LinearRegressionProblem(), SoftmaxCeGradient(), BatchNormForward(),
    RnnStep(), GradCamWeights(), ObdSaliency(),
)}
