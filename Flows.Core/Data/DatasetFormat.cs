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

    /// <summary>Downsampled ImageNet batch files, pickle or .npz (see DownsampledImageNetReader).</summary>
    DownsampledImageNet,

    /// <summary>UCI MiniBooNE_PID.txt (a vector table; see Uci.MiniBooNEReader).</summary>
    MiniBooNE,

    /// <summary>UCI HEPMASS 1000_train/1000_test CSV, gzip or plain (a vector table; see Uci.HepmassReader).</summary>
    Hepmass,
}

/// <summary>What a registered data set holds: images (the image loader, `data list` shape CxHxW) or real vectors.</summary>
public enum DatasetKind
{
    Image,

    /// <summary>Rows of real features (UCI tables); loaded through Uci.UciTask, never by the image loader.</summary>
    Vector,
}
