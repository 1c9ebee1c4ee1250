"""Models written directly in Keras (not by planner), for the import tests."""

from __future__ import annotations

from typing import Any


def blog_autoencoder() -> Any:
    """The convolutional autoencoder of the Keras blog ("Building Autoencoders in
    Keras"), as written there (functional API)."""
    import keras
    from keras import layers

    input_img = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, (3, 3), activation="relu", padding="same")(input_img)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    encoded = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(encoded)
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Conv2D(16, (3, 3), activation="relu")(x)
    x = layers.UpSampling2D((2, 2))(x)
    decoded = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    return keras.Model(input_img, decoded)


def unet(size: int = 64) -> Any:
    """A small 'same'-padded U-Net with batch norm, strided downsampling, a shared
    layer and a residual add, in the style of the keras.io segmentation example."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(size, size, 3))
    x = layers.Conv2D(16, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    skips = []
    for filters in (32, 64):
        skips.append(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(negative_slope=0.1)(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    shared = layers.Conv2D(64, 1, name="shared_1x1")
    x = layers.Add()([shared(x), shared(x)])
    for filters, skip in zip((64, 32), reversed(skips), strict=True):
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same")(x)
        x = layers.Concatenate()([x, skip])
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Dropout(0.1)(x)
    x = layers.UpSampling2D(2)(x)
    outputs = layers.Conv2D(2, 3, activation="softmax", padding="same")(x)
    return keras.Model(inputs, outputs, name="keras_unet")


def sequential_cnn() -> Any:
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            layers.ZeroPadding2D(((1, 2), (0, 1))),
            layers.Conv2D(8, 5, strides=2),
            layers.ReLU(),
            layers.AveragePooling2D(2),
            layers.Cropping2D(((1, 0), (0, 1))),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10, activation="softmax"),
        ],
        name="seq",
    )
