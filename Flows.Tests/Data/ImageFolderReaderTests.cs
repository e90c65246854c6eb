using Flows.Core.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Data;

public class ImageFolderReaderTests
{
    private static void WriteGray(string path, int width, int height, Func<int, int, byte> value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<L8>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new L8(value(x, y));
        image.SaveAsPng(path);
    }

    private static void WriteColor(string path, int width, int height, Rgb24 color, bool jpeg = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(width, height, color);
        if (jpeg)
            image.SaveAsJpeg(path);
        else
            image.SaveAsPng(path);
    }

    [Test]
    public void LetterFoldersBecomeGrayscaleClassesInSortedOrder()
    {
        using var dir = new TempFolder();
        WriteGray(dir.File("B/b1.png"), 28, 28, (x, y) => (byte)(x + y));
        WriteGray(dir.File("A/a2.png"), 28, 28, (x, _) => (byte)(200 + x));
        WriteGray(dir.File("A/a1.png"), 28, 28, (_, y) => (byte)y);
        WriteGray(dir.File("C/c1.png"), 28, 28, (_, _) => 255);

        var set = DatasetLoader.Load("notmnist=" + dir.Path, DatasetSplit.Test, new DataOptions());

        Assert.That((set.Count, set.Channels, set.Height, set.Width), Is.EqualTo((4, 1, 28, 28)));
        Assert.That(set.Labels, Is.EqualTo(new[] { 0, 0, 1, 2 }));
        Assert.That(set.ClassNames, Is.EqualTo(new[] { "A", "B", "C" }));
        Assert.That(set.Image(0)[28 * 5 + 3], Is.EqualTo(5), "A/a1.png comes first: value = row");
        Assert.That(set.Image(1)[28 * 5 + 3], Is.EqualTo(203), "A/a2.png: value = 200 + column");
        Assert.That(set.Image(2)[28 * 5 + 3], Is.EqualTo(8), "B/b1.png: value = row + column");
    }

    [Test]
    public void AKnownNameGivesAnImageFolderItsShape()
    {
        using var dir = new TempFolder();
        WriteColor(dir.File("letters/A/x.png"), 28, 28, new Rgb24(0, 0, 255));
        WriteColor(dir.File("faces/x.png"), 178, 218, new Rgb24(0, 0, 255));

        var letters = DatasetLoader.Load("notmnist=" + dir.File("letters"), DatasetSplit.Test, new DataOptions());
        var faces = DatasetLoader.Load("celeba=" + dir.File("faces"), DatasetSplit.Test, new DataOptions());

        Assert.That((letters.Channels, letters.Height, letters.Width), Is.EqualTo((1, 28, 28)), "notMNIST is grayscale");
        Assert.That(letters.CopyPixels()[0], Is.EqualTo(29), "PIL luma of pure blue");
        Assert.That((faces.Channels, faces.Height, faces.Width), Is.EqualTo((3, 32, 32)), "CelebA is resized and cropped to 32");
    }

    [Test]
    public void UnreadableFilesAreSkippedWithALogLine()
    {
        using var dir = new TempFolder();
        WriteGray(dir.File("A/ok.png"), 4, 4, (_, _) => 1);
        File.WriteAllBytes(dir.File("A/1288.png"), []);
        WriteGray(dir.File("B/ok.png"), 4, 4, (_, _) => 2);
        File.WriteAllBytes(dir.File("B/417.png"), "not a png"u8.ToArray());
        var log = new List<string>();

        var set = DatasetLoader.Load(dir.Path, DatasetSplit.Test, new DataOptions { Log = log.Add });

        Assert.That(set.Count, Is.EqualTo(2));
        Assert.That(set.Labels, Is.EqualTo(new[] { 0, 1 }));
        Assert.That(log, Has.Some.Contains("1288.png"));
        Assert.That(log, Has.Some.Contains("417.png"));
    }

    [Test]
    public void ColourImagesGiveThreeChannelPlanes()
    {
        using var dir = new TempFolder();
        WriteColor(dir.File("flat/x.png"), 3, 2, new Rgb24(10, 20, 30));

        var set = ImageFolderReader.Read("c", dir.File("flat"), new ImageFolderOptions(null, null, ImageDecodeLimits.Default));

        Assert.That((set.Channels, set.Height, set.Width), Is.EqualTo((3, 2, 3)));
        Assert.That(set.CopyPixels(), Is.EqualTo(new byte[] { 10, 10, 10, 10, 10, 10, 20, 20, 20, 20, 20, 20, 30, 30, 30, 30, 30, 30 }));
        Assert.That(set.Labels, Is.EqualTo(new[] { -1 }), "a flat folder has no classes");
    }

    [Test]
    public void GrayscaleConversionUsesPilWeights()
    {
        using var dir = new TempFolder();
        WriteColor(dir.File("c/x.png"), 1, 1, new Rgb24(255, 0, 0));

        var set = ImageFolderReader.Read("g", dir.File("c"), new ImageFolderOptions(1, null, ImageDecodeLimits.Default));

        Assert.That(set.CopyPixels()[0], Is.EqualTo(76), "PIL: L = R*299/1000 + G*587/1000 + B*114/1000");
    }

    [Test]
    public void ImagesOverThePixelLimitAreRejectedBeforeDecoding()
    {
        using var dir = new TempFolder();
        WriteGray(dir.File("big/x.png"), 64, 64, (_, _) => 0);
        var limits = ImageDecodeLimits.Default with { MaxPixels = 1000 };

        Assert.That(() => ImageFolderReader.Read("b", dir.File("big"), new ImageFolderOptions(null, null, limits)),
            Throws.TypeOf<DataException>().With.Message.Contains("64x64").And.Message.Contains("limit"));
    }

    [Test]
    public void DifferentSizesNeedAnImageSize()
    {
        using var dir = new TempFolder();
        WriteGray(dir.File("m/a.png"), 4, 4, (_, _) => 0);
        WriteGray(dir.File("m/b.png"), 5, 4, (_, _) => 0);

        Assert.That(() => DatasetLoader.Load(dir.File("m"), DatasetSplit.Test, new DataOptions()),
            Throws.TypeOf<DataException>().With.Message.Contains("5x4"));
        var resized = DatasetLoader.Load(dir.File("m"), DatasetSplit.Test, new DataOptions { ImageSize = 3 });
        Assert.That((resized.Count, resized.Height, resized.Width), Is.EqualTo((2, 3, 3)));
    }

    [Test]
    public void CelebAOfficialLayoutIsSplitByThePartitionFileAndCroppedTo32()
    {
        using var dir = new TempFolder();
        var images = dir.File("img_align_celeba");
        WriteColor(Path.Combine(images, "000001.jpg"), 178, 218, new Rgb24(200, 100, 50), jpeg: true);
        WriteColor(Path.Combine(images, "000002.jpg"), 178, 218, new Rgb24(10, 20, 30), jpeg: true);
        WriteColor(Path.Combine(images, "000003.jpg"), 178, 218, new Rgb24(0, 0, 255), jpeg: true);
        File.WriteAllText(dir.File("list_eval_partition.txt"), "000001.jpg 0\n000002.jpg 1\n000003.jpg 2\n");

        var train = DatasetLoader.Load("celeba=" + dir.Path, DatasetSplit.Train, new DataOptions());
        var test = DatasetLoader.Load("celeba=" + dir.Path, DatasetSplit.Test, new DataOptions());

        Assert.That((train.Count, train.Channels, train.Height, train.Width), Is.EqualTo((1, 3, 32, 32)));
        Assert.That(test.Count, Is.EqualTo(1));
        Assert.That(train.Image(0)[0], Is.EqualTo(200).Within(3), "red plane of a flat colour survives resizing");
        Assert.That(train.Image(0)[1024 + 500], Is.EqualTo(100).Within(3));
        Assert.That(test.Image(0)[2048 + 1023], Is.EqualTo(255).Within(3));
    }

    [Test]
    public void CelebAResizeKeepsTheCentreRowsAsTorchvisionDoes()
    {
        // 178x218 → 32x39 → rows 4..35 kept. The top 20% of the source is white, the rest black: after Resize
        // the white band covers rows 0..~7, so crop row 0 is still white and the bottom row black.
        using var dir = new TempFolder();
        var path = dir.File("paper/train/faces/a.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var image = new Image<Rgb24>(178, 218, new Rgb24(0, 0, 0)))
        {
            for (int y = 0; y < 44; y++)
                for (int x = 0; x < 178; x++)
                    image[x, y] = new Rgb24(255, 255, 255);
            image.SaveAsPng(path);
        }
        File.Copy(path, Path.Combine(Directory.CreateDirectory(dir.File("paper/test/faces")).FullName, "a.png"));

        var set = CelebAReader.Read("celeba", dir.File("paper"), DatasetSplit.Train, ImageDecodeLimits.Default, null);

        Assert.That((set.Height, set.Width), Is.EqualTo((32, 32)));
        Assert.That(set.Image(0)[0], Is.EqualTo(255), "row 0 of the crop is resized row 4, source row ~25: white");
        Assert.That(set.Image(0)[31 * 32], Is.EqualTo(0), "last row is black");
        Assert.That(set.Image(0)[4 * 32], Is.LessThan(128), "crop row 4 is resized row 8, past the white band (7.8 rows)");
    }
}
