/**
 * "Deep Learning with PyTorch: A 60 Minute Blitz", A Gentle Introduction to torch.autograd
 * (pytorch/tutorials, beginner_source/blitz/autograd_tutorial.py), line for line.
 *
 * One training step of a ResNet-18, the gradients of Q = 3a^3 - b^2, which operations
 * require gradients, and freezing a model for finetuning. torchlet downloads no pretrained
 * weights: the ResNet-18 starts from torchvision's random initialisation unless `weightsPath`
 * names torchvision's resnet18 file (loaded with io.load).
 */
import { Tensor, nn, optim, models, io, tensor, rand } from '../../src';
import { ExampleOptions, consoleLog, namedParametersOf, runIfMain } from './common';

export interface AutogradTutorialOptions extends ExampleOptions {
  /** torchvision's pretrained resnet18 file (resnet18-f37072fd.pth), for ResNet18_Weights.DEFAULT. */
  weightsPath?: string;
}

/** The original's sizes are small already (one 64x64 image): tests run it as is. */
export const ORIGINAL: AutogradTutorialOptions = {};

export function main(opts: AutogradTutorialOptions = {}) {
  const print = opts.log ?? consoleLog;
  // resnet18(weights=ResNet18_Weights.DEFAULT): torchvision's file, when given, else its random init
  const resnet18 = () => {
    const m = models.resnet18({ weights: null });
    if (opts.weightsPath !== undefined) m.loadStateDict(io.load(opts.weightsPath) as Record<string, Tensor>);
    return m;
  };

  // Usage in PyTorch
  // ~~~~~~~~~~~~~~~~
  // Let's take a look at a single training step.
  // For this example, we load a resnet18 model. We create a random data tensor to represent a
  // single image with 3 channels, and height & width of 64, and its corresponding `label`
  // initialized to some random values. Label in pretrained models has shape (1,1000).

  let model = resnet18(); // model = resnet18(weights=ResNet18_Weights.DEFAULT)
  opts.init?.(namedParametersOf(model));
  const data = rand(1, 3, 64, 64);
  const labels = rand(1, 1000);
  opts.init?.({ data, labels });

  // Next, we run the input data through the model through each of its layers to make a prediction.
  // This is the **forward pass**.

  const prediction = model.call(data); // forward pass

  // We use the model's prediction and the corresponding label to calculate the error (`loss`).
  // The next step is to backpropagate this error through the network.
  // Backward propagation is kicked off when we call `.backward()` on the error tensor.
  // Autograd then calculates and stores the gradients for each model parameter in the parameter's `.grad` attribute.

  const loss = prediction.sub(labels).sum(); // (prediction - labels).sum()
  loss.backward(); // backward pass

  // Next, we load an optimizer, in this case SGD with a learning rate of 0.01 and momentum of 0.9.
  // We register all the parameters of the model in the optimizer.

  let optimizer = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 }); // optim = torch.optim.SGD(...) (`optim` is the package here)

  // Finally, we call `.step()` to initiate gradient descent. The optimizer adjusts each parameter by its gradient stored in `.grad`.

  optimizer.step(); // gradient descent
  const trained = { prediction, loss, fcBias: model.fc.bias!.clone() };

  // Differentiation in Autograd
  // ~~~~~~~~~~~~~~~~~~~~~~~~~~~
  // Let's take a look at how `autograd` collects gradients. We create two tensors `a` and `b` with
  // `requiresGrad: true`. This signals to `autograd` that every operation on them should be tracked.

  let a = tensor([2., 3.], { requiresGrad: true });
  let b = tensor([6., 4.], { requiresGrad: true });

  // We create another tensor `Q` from `a` and `b`.
  //   Q = 3a^3 - b^2

  const Q = a.pow(3).mul(3).sub(b.pow(2)); // 3*a**3 - b**2

  // We need to explicitly pass a `gradient` argument in `Q.backward()` because it is a vector.
  // `gradient` is a tensor of the same shape as `Q`, and it represents the
  // gradient of Q w.r.t. itself, i.e. dQ/dQ = 1
  // Equivalently, we can also aggregate Q into a scalar and call backward implicitly, like `Q.sum().backward()`.
  const externalGrad = tensor([1., 1.]);
  Q.backward(externalGrad); // Q.backward(gradient=external_grad)

  // Gradients are now deposited in `a.grad` and `b.grad`

  // check if collected gradients are correct
  print(a.pow(2).mul(9).eq(a.grad!)); // 9*a**2 == a.grad
  print(b.mul(-2).eq(b.grad!)); // -2*b == b.grad
  const gradients = { aGrad: a.grad!, bGrad: b.grad! };

  // Exclusion from the DAG
  // ^^^^^^^^^^^^^^^^^^^^^^
  //
  // The output tensor of an operation will require gradients even if only a
  // single input tensor has `requiresGrad: true`.

  const x = rand(5, 5);
  const y = rand(5, 5);
  const z = rand([5, 5], { requiresGrad: true }); // torch.rand((5, 5), requires_grad=True)

  a = x.add(y); // x + y
  print(`Does \`a\` require gradients? : ${a.requiresGrad}`);
  b = x.add(z); // x + z
  print(`Does \`b\` require gradients?: ${b.requiresGrad}`);

  // In a NN, parameters that don't compute gradients are usually called **frozen parameters**.
  // In finetuning, we freeze most of the model and typically only modify the classifier layers to make predictions on new labels.
  // Let's walk through a small example to demonstrate this. As before, we load a resnet18 model, and freeze all the parameters.

  model = resnet18(); // resnet18(weights=ResNet18_Weights.DEFAULT)

  // Freeze all the parameters in the network
  for (const param of model.parameters()) {
    param.requiresGrad = false;
  }

  // Let's say we want to finetune the model on a new dataset with 10 labels.
  // In resnet, the classifier is the last linear layer `model.fc`.
  // We can simply replace it with a new linear layer (unfrozen by default)
  // that acts as our classifier.

  model.fc = new nn.Linear(512, 10);

  // Now all parameters in the model, except the parameters of `model.fc`, are frozen.
  // The only parameters that compute gradients are the weights and bias of `model.fc`.

  // Optimize only the classifier
  optimizer = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
  const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([name]) => name);

  return { ...trained, ...gradients, trainable, optimizer };
}

runIfMain(module, main, ORIGINAL);
