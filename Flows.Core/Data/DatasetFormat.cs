namespace Flows.Core.Data;

/// <summary>How a registered data set's files are read.</summary>
public enum DatasetFormat
{
    /// <summary>IDX images + labels, gzip: MNIST, FashionMNIST, KMNIST, notMNIST (MNIST form).</summary>
    Idx,

    /// <summary>CIFAR-10 binary batches.</summary>
    Cifar10,

    /// <summary>CIFAR-100 binary (coarse + fine label bytes).</summary>
    Cifar100,

    /// <summary>SVHN's MATLAB *_32x32.mat.</summary>
    SvhnMat,

    /// <summary>CelebA aligned JPEGs, resized and cropped to 32×32.</summary>
    CelebA,
}
