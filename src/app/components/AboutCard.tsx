import { useApp } from '../store';

/** A short, plain explanation of what the page is doing. */
export function AboutCard() {
  const method = useApp((s) => s.config.method);
  return (
    <section className="card card--about" aria-labelledby="about-title">
      <h2 className="card__title" id="about-title">
        How it works
      </h2>
      {method === 'dm' ? (
        <ol className="about">
          <li>
            <strong>Start</strong> from a few real images per class (shown as <em>initial</em>).
          </li>
          <li>
            <strong>Embed</strong> a batch of real images and the synthetic ones with a freshly randomised ConvNet, every
            iteration.
          </li>
          <li>
            <strong>Match</strong>: nudge the synthetic pixels so each class’s mean embedding moves towards the real one.
            The loss is the distance between them.
          </li>
        </ol>
      ) : method === 'krr' ? (
        <ol className="about">
          <li>
            <strong>Start</strong> from a few real images per class (shown as <em>initial</em>).
          </li>
          <li>
            <strong>Describe</strong> every image by the features of a few freshly randomised ConvNets: similar images get
            similar features (a kernel).
          </li>
          <li>
            <strong>Fit</strong>: predict the labels of a real batch by kernel ridge regression from the synthetic images
            alone, and change the synthetic pixels so that the prediction error (the loss) falls.
          </li>
        </ol>
      ) : method === 'mtt' ? (
        <ol className="about">
          <li>
            <strong>Experts</strong>: first train a few networks on the real images, saving their weights after every epoch
            (the progress bar shows this before iteration 1).
          </li>
          <li>
            <strong>Student</strong>: from an expert’s weights at some epoch, take N training steps on the synthetic images
            alone, keeping every step differentiable.
          </li>
          <li>
            <strong>Match</strong>: change the synthetic pixels (and the student’s step size) so the student lands where the
            expert was a few epochs later. The loss is that distance relative to how far the expert moved.
          </li>
        </ol>
      ) : (
        <ol className="about">
          <li>
            <strong>Start</strong> from a few real images per class (shown as <em>initial</em>) and a fresh random ConvNet.
          </li>
          <li>
            <strong>Compare gradients</strong>: for each class, the weight gradients a batch of real images gives the
            network, and those the synthetic images give it.
          </li>
          <li>
            <strong>Match</strong>: change the synthetic pixels so their gradients point the same way as the real ones (the
            loss sums 1 − cosine over the layers), then train the network a little on the synthetic set and repeat.
          </li>
        </ol>
      )}
      <p className="about__foot">
        Everything runs in a Web Worker with TensorFlow.js on your own device; no image leaves the page.
      </p>
    </section>
  );
}
