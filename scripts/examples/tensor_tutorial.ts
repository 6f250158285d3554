/**
 * "Deep Learning with PyTorch: A 60 Minute Blitz", Tensors (pytorch/tutorials,
 * beginner_source/blitz/tensor_tutorial.py), line for line.
 *
 * Tensor initialization, attributes, operations (indexing, joining, multiplying, in-place) and
 * the bridge with NumPy, which in JS is a bridge with typed arrays: `numpy()` and `fromNumpy`
 * share memory with the tensor, as PyTorch's do with NumPy arrays.
 */
import { tensor, onesLike, randLike, rand, ones, zeros, cat, fromNumpy } from '../../src';
import { ExampleOptions, consoleLog, runIfMain } from './common';

/** The original's sizes are small already: tests run it as is. */
export const ORIGINAL: ExampleOptions = {};

export function main(opts: ExampleOptions = {}) {
  const print = opts.log ?? consoleLog;

  // Tensor Initialization
  // ~~~~~~~~~~~~~~~~~~~~~
  //
  // Tensors can be initialized in various ways. Take a look at the following examples:
  //
  // **Directly from data**
  //
  // Tensors can be created directly from data. The data type is automatically inferred.

  const data = [[1, 2], [3, 4]];
  const xData = tensor(data, { dtype: 'int32' }); // torch.tensor(data): JS numbers do not say int or float; int32 is torchlet's int64

  // **From a NumPy array** (here: a typed array)
  //
  // Tensors can be created from typed arrays (and vice versa - see the bridge below).
  const npArray = Int32Array.from(data.flat()); // np_array = np.array(data)
  const xNp = fromNumpy(npArray, [2, 2]); // torch.from_numpy(np_array): a typed array has no shape of its own

  // **From another tensor:**
  //
  // The new tensor retains the properties (shape, datatype) of the argument tensor, unless explicitly overridden.

  const xOnes = onesLike(xData); // retains the properties of x_data
  print(`Ones Tensor: \n ${xOnes} \n`);

  const xRand = randLike(xData, { dtype: 'float32' }); // overrides the datatype of x_data
  opts.init?.({ xRand });
  print(`Random Tensor: \n ${xRand} \n`);

  // **With random or constant values:**
  //
  // `shape` is a tuple of tensor dimensions. In the functions below, it determines the dimensionality of the output tensor.

  const shape = [2, 3]; // shape = (2, 3,)
  const randTensor = rand(shape);
  opts.init?.({ randTensor });
  const onesTensor = ones(shape);
  const zerosTensor = zeros(shape);

  print(`Random Tensor: \n ${randTensor} \n`);
  print(`Ones Tensor: \n ${onesTensor} \n`);
  print(`Zeros Tensor: \n ${zerosTensor}`);

  // Tensor Attributes
  // ~~~~~~~~~~~~~~~~~
  //
  // Tensor attributes describe their shape, datatype, and the device on which they are stored.

  let tensor_ = rand(3, 4); // tensor = torch.rand(3, 4) (`tensor` is the creation function here)
  opts.init?.({ tensor: tensor_ });

  print(`Shape of tensor: ${tensor_.shape}`); // prints 3,4 where Python prints torch.Size([3, 4])
  print(`Datatype of tensor: ${tensor_.dtype}`); // float32 where Python prints torch.float32
  print(`Device tensor is stored on: ${tensor_.device}`);

  // Tensor Operations
  // ~~~~~~~~~~~~~~~~~
  //
  // We move our tensor to the GPU if available
  // if torch.cuda.is_available(): tensor = tensor.to('cuda') -- torchlet runs on the CPU only

  // **Standard numpy-like indexing and slicing:**

  tensor_ = ones(4, 4);
  tensor_.setIndex(':,1', 0); // tensor[:,1] = 0
  print(tensor_);

  // **Joining tensors** You can use `cat` to concatenate a sequence of tensors along a given dimension.
  // See also `stack`, another tensor joining op that is subtly different from `cat`.
  const t1 = cat([tensor_, tensor_, tensor_], 1); // torch.cat([tensor, tensor, tensor], dim=1)
  print(t1);

  // **Multiplying tensors**

  // This computes the element-wise product
  print(`tensor.mul(tensor) \n ${tensor_.mul(tensor_)} \n`);
  // Alternative syntax:
  print(`tensor * tensor \n ${tensor_.mul(tensor_)}`); // tensor * tensor (JS has no operator overloading)

  // This computes the matrix multiplication between two tensors
  print(`tensor.matmul(tensor.T) \n ${tensor_.matmul(tensor_.T)} \n`);
  // Alternative syntax:
  print(`tensor @ tensor.T \n ${tensor_.matmul(tensor_.T)}`); // tensor @ tensor.T

  // **In-place operations**
  // Operations that have a `_` suffix are in-place. For example: `x.copy_(y)`, `x.t_()`, will change `x`.

  print(tensor_, '\n');
  tensor_.add_(5);
  print(tensor_);

  // Bridge with NumPy (typed arrays)
  // ~~~~~~~~~~~~~~~~~
  // Tensors and typed arrays can share their underlying memory
  // locations, and changing one will change the other.

  // Tensor to typed array
  let t = ones(5);
  print(`t: ${t}`);
  let n = t.numpy(); // n = t.numpy(): a Float32Array on the tensor's memory
  print(`n: ${n}`);

  // A change in the tensor reflects in the typed array.

  t.add_(1);
  print(`t: ${t}`);
  print(`n: ${n}`);

  // Typed array to Tensor
  n = new Float32Array(5).fill(1); // n = np.ones(5) (a float64 array; torchlet has no float64)
  t = fromNumpy(n); // torch.from_numpy(n)

  // Changes in the typed array reflect in the tensor.
  n.forEach((v, i) => { n[i] = v + 1; }); // np.add(n, 1, out=n)
  print(`t: ${t}`);
  print(`n: ${n}`);

  return { xNp, t1, tensor: tensor_, t };
}

runIfMain(module, main, ORIGINAL);
