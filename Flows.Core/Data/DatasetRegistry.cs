namespace Flows.Core.Data;

/// <summary>
/// The data sets the project knows by name, with their canonical sources and published checksums.
/// MD5s are the ones torchvision (and the data sets' own pages) publish; SHA-256s of the MNIST-like files are
/// those of /work/shared/data's MANIFEST (byte-exact canonical files); KMNIST's SHA-256s are torchvision-ruby's.
/// CIFAR's per-batch MD5s are those third-party loaders list for the extracted files (the project's rebuilt
/// batches match them), the archives' MD5s those of the CIFAR page.
/// </summary>
public static class DatasetRegistry
{
    private const string MnistBase = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    private const string FashionBase = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    private const string KmnistBase = "http://codh.rois.ac.jp/kmnist/dataset/kmnist/";
    private const string NotMnistBase = "https://github.com/davidflanagan/notMNIST-to-MNIST/raw/master/";
    private const string SvhnBase = "http://ufldl.stanford.edu/housenumbers/";
    private const string UciBase = "https://archive.ics.uci.edu/ml/machine-learning-databases/";

    // Declared before All: static fields initialise in text order.
    private static readonly string[] Cifar10BatchMd5 =
    [
        "5dd7e06a14cb22eb9f671a540d1b7c25", "5ea93a67294ea407fff1d09f752e9692", "942cd6a4bcdd0dd3c604fbe906cb4421",
        "ae636b3ba5c66a11e91e8cb52e771fcb", "53f37980c15c3d472c316c40844f3f0d",
    ];

    private static readonly string[] Cifar100FineNames =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    public static IReadOnlyList<DatasetInfo> All { get; } =
    [
        Mnist("mnist", "MNIST", [], "mnist", MnistBase, "http://yann.lecun.com/exdb/mnist/", 60000, Digits(),
        [
            ("train-images-idx3-ubyte.gz", 9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            ("train-labels-idx1-ubyte.gz", 28881, "d53e105ee54ea40749a09fcbcd1e9432", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            ("t10k-images-idx3-ubyte.gz", 1648877, "9fb629c4189551a2d022fa330f9573f3", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            ("t10k-labels-idx1-ubyte.gz", 4542, "ec29112dd5afa0611ce80d1b7f02629c", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ]),
        Mnist("fashionmnist", "Fashion-MNIST", ["fmnist"], "fashion-mnist", FashionBase, "https://github.com/zalandoresearch/fashion-mnist", 60000,
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        [
            ("train-images-idx3-ubyte.gz", 26421880, "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            ("train-labels-idx1-ubyte.gz", 29515, "25c81989df183df01b3e8a0aad5dffbe", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ("t10k-images-idx3-ubyte.gz", 4422102, "bef4ecab320f06d8554ea6380940ec79", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            ("t10k-labels-idx1-ubyte.gz", 5148, "bb300cfdad3c16e7a12a480ee83cd310", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ]),
        Mnist("kmnist", "Kuzushiji-MNIST", ["kuzushijimnist"], "kmnist", KmnistBase, "https://github.com/rois-codh/kmnist", 60000,
            ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
        [
            ("train-images-idx3-ubyte.gz", null, "bdb82020997e1d708af4cf47b453dcf7", "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"),
            ("train-labels-idx1-ubyte.gz", null, "e144d726b3acfaa3e44228e80efcd344", "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"),
            ("t10k-images-idx3-ubyte.gz", null, "5c965bf0a639b31b8f53240b1b52f4d7", "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"),
            ("t10k-labels-idx1-ubyte.gz", null, "7320c461ea6c1c855c0b718fb2a4b134", "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"),
        ]),
        Mnist("notmnist", "notMNIST (10k MNIST-form sample of notMNIST_small, letters A-J)", [], "notmnist", NotMnistBase,
            "https://github.com/davidflanagan/notMNIST-to-MNIST", null, ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"],
        [
            ("t10k-images-idx3-ubyte.gz", 3172375, "2c87c839a4ef9b238846600eec8c35b7", "70ae9e06201f2827e5b0a3781a3169d735dd2efc69996b9eeaee7f10ed4044d7"),
            ("t10k-labels-idx1-ubyte.gz", 5118, "7ea9118cbafd0f6e3ee2ad771d782a01", "1fa03836e01c862542f8eb83463bb951bebec6fcb3efa28dad748c6b38a9021b"),
        ]) with
        {
            Note = "test only; the paper used the notMNIST_small folder (18,724 PNGs): load it with notmnist=PATH/notMNIST_small",
        },
        new DatasetInfo("cifar10", "CIFAR-10", [], "cifar10", DatasetFormat.Cifar10, 3, 32, 32, 50000, 10000,
        [
            .. Enumerable.Range(1, 5).Select(i => new DatasetFile($"data_batch_{i}.bin", DatasetSplit.Train, 30730000, Cifar10BatchMd5[i - 1], null, null)),
            new DatasetFile("test_batch.bin", DatasetSplit.Test, 30730000, "803d5f7f4d78ea53de84dbe85f74fb6d", null, null)
            {
                StandIn = new DatasetFile("test_batch.first1000.bin", DatasetSplit.Test, 3073000, "371f65da31ad652f5e24b3699a3e6515",
                    "8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5", null),
                StandInNote = "the first 1000 of the 10000 CIFAR-10 test images",
            },
        ], "https://www.cs.toronto.edu/~kriz/cifar.html")
        {
            Archive = new DatasetArchive("cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", 170052171,
                "c32a1d4ab5d03f1284b67883e8d87530", "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", "cifar-10-batches-bin"),
            ClassNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        },
        new DatasetInfo("cifar100", "CIFAR-100 (fine labels)", [], "cifar100", DatasetFormat.Cifar100, 3, 32, 32, 50000, 10000,
        [
            new DatasetFile("train.bin", DatasetSplit.Train, 153700000, "6172c7755cfe09b2fe270c85cebc1b15", null, null),
            new DatasetFile("test.bin", DatasetSplit.Test, 30740000, "4499cfba6c016c1be1438163640a0898", null, null),
        ], "https://www.cs.toronto.edu/~kriz/cifar.html")
        {
            Archive = new DatasetArchive("cifar-100-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", 168513733,
                "03b5dce01913d631647c71ecec9e9cb8", null, "cifar-100-binary"),
            ClassNames = Cifar100FineNames,
        },
        new DatasetInfo("svhn", "SVHN cropped digits (no 'extra')", [], "svhn", DatasetFormat.SvhnMat, 3, 32, 32, 73257, 26032,
        [
            new DatasetFile("train_32x32.mat", DatasetSplit.Train, 182040794, "e26dedcc434d2e4c54c9b2d4a06d8373", null, SvhnBase + "train_32x32.mat"),
            new DatasetFile("test_32x32.mat", DatasetSplit.Test, 64275384, "eb5a983be6a315427106f1b164d9cef3", null, SvhnBase + "test_32x32.mat"),
        ], "http://ufldl.stanford.edu/housenumbers/")
        {
            ClassNames = Digits(),
        },
        new DatasetInfo("celeba", "CelebA aligned, Resize(32) + CenterCrop(32)", [], "celeba", DatasetFormat.CelebA, 3, 32, 32, 162770, 19962,
        [
            new DatasetFile(CelebAReader.PartitionFile, null, null, "d32c9cbf5e040fd4025c592c306e6668", null, null),
        ], "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html")
        {
            ManualDownload =
                "CelebA cannot be downloaded automatically (Google Drive): from the CelebA page (https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html) get " +
                "img_align_celeba.zip (md5 00d2c5bc6d35e252742224ab0c1e8fcb) and list_eval_partition.txt, unzip so that {folder}/img_align_celeba/000001.jpg exists " +
                "and put list_eval_partition.txt at {folder}/list_eval_partition.txt (or use the paper's layout {folder}/train/<any>/*.jpg and {folder}/test/<any>/*.jpg)",
        },

        // E1 (docs/MODELS.md §2, §3.1): the 64x64 batches of "A Downsampled Variant of ImageNet". image-net.org
        // publishes no sizes or checksums for them and serves them only after a login, so both are unknown (null)
        // and the download is manual; the _npz download's files stand in for the pickles under the same names + .npz.
        new DatasetInfo("imagenet64", "ImageNet 64x64 (downsampled, Chrabaszcz et al. 2017)", ["imagenet64x64"], "imagenet64", DatasetFormat.DownsampledImageNet,
            3, 64, 64, 1281167, 50000,
        [
            .. Enumerable.Range(1, 10).Select(i => ImageNetBatch($"train_data_batch_{i}", DatasetSplit.Train)),
            ImageNetBatch("val_data", DatasetSplit.Test),
        ], "https://image-net.org/download-images")
        {
            ManualDownload =
                "ImageNet 64x64 needs an image-net.org login: from https://image-net.org/download-images (Downsampled ImageNet 64x64) get Imagenet64_train_part1.zip, " +
                "Imagenet64_train_part2.zip and Imagenet64_val.zip (or their _npz forms) and unzip them so that {folder}/train_data_batch_1 ... train_data_batch_10 and {folder}/val_data exist (or the same names + .npz)",
            Note = "the train split is 1,281,167 images, 15.7 GB in memory: --train-limit N reads only the files holding the first N; imagenet64=PATH/train_data_batch_N loads one batch",
        },

        // UCI tables for E11 (docs/MODELS.md §3.3). The UCI repository publishes no checksums or sizes for these files,
        // and none were found in MAF's, nflows' or other loaders' download scripts, so size and checksums are
        // unknown (null): `data verify` reports them present-unchecked. Split sizes depend on the split (UciSplit,
        // the files' own split for HEPMASS), so no counts are recorded either.
        new DatasetInfo("miniboone", "UCI MiniBooNE particle identification (50 features)", [], "miniboone", DatasetFormat.MiniBooNE, 1, 1, 50, null, null,
        [
            new DatasetFile(Uci.MiniBooNEReader.FileName, null, null, null, null, UciBase + "00199/" + Uci.MiniBooNEReader.FileName),
        ], "https://archive.ics.uci.edu/ml/datasets/MiniBooNE+particle+identification")
        {
            Kind = DatasetKind.Vector,
            ClassNames = ["background", "signal"],
            Note = "vectors; tasks miniboone0|miniboone1 (seeded 90/10 split per class)",
        },
        new DatasetInfo("hepmass", "UCI HEPMASS, mass 1000 (15 of 28 features after MAF's rule)", [], "hepmass", DatasetFormat.Hepmass, 1, 1, 15, null, null,
        [
            new DatasetFile(Uci.HepmassReader.TrainFile + ".gz", DatasetSplit.Train, null, null, null, UciBase + "00347/" + Uci.HepmassReader.TrainFile + ".gz"),
            new DatasetFile(Uci.HepmassReader.TestFile + ".gz", DatasetSplit.Test, null, null, null, UciBase + "00347/" + Uci.HepmassReader.TestFile + ".gz"),
        ], "https://archive.ics.uci.edu/ml/datasets/HEPMASS")
        {
            Kind = DatasetKind.Vector,
            ClassNames = ["background", "signal"],
            Note = "vectors; tasks hepmass0|hepmass1 (the files' own split); plain .csv files are read too",
        },
    ];

    private static DatasetFile ImageNetBatch(string name, DatasetSplit split) =>
        new(name, split, null, null, null, null)
        {
            StandIn = new DatasetFile(name + ".npz", split, null, null, null, null),
            StandInNote = "the _npz download of the same batch",
        };

    /// <summary>The data set called <paramref name="name"/> (case, '-' and '_' ignored; aliases accepted), or null.</summary>
    public static DatasetInfo? Find(string name)
    {
        var key = Normalize(name);
        return All.FirstOrDefault(d => Normalize(d.Name) == key || d.Aliases.Any(a => Normalize(a) == key));
    }

    /// <summary>As <see cref="Find"/>, but an unknown name is a DataException that lists the known ones.</summary>
    public static DatasetInfo Get(string name) => Find(name) ?? throw Unknown(name);

    internal static DataException Unknown(string name) => new(
        $"unknown data set '{name}'; known: {string.Join(", ", All.Select(d => d.Name))}, or give a path (NAME=PATH) to an IDX, CIFAR .bin, SVHN .mat file or an image folder");

    private static string Normalize(string name) =>
        new(name.Trim().ToLowerInvariant().Where(c => c is not ('-' or '_' or ' ')).ToArray());

    private static string[] Digits() => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static DatasetInfo Mnist(string name, string title, string[] aliases, string folder, string baseUrl, string homepage, int? trainCount,
        string[] classNames, (string File, long? Size, string Md5, string Sha256)[] files) =>
        new(name, title, aliases, folder, DatasetFormat.Idx, 1, 28, 28, trainCount, 10000,
            files.Select(f => new DatasetFile(f.File, f.File.StartsWith("train", StringComparison.Ordinal) ? DatasetSplit.Train : DatasetSplit.Test,
                f.Size, f.Md5, f.Sha256, baseUrl + f.File)).ToArray(),
            homepage)
        {
            ClassNames = classNames,
        };
}
