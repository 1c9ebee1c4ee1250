# A U-Net in the style of zhixuhao/unet (functional API, written out by hand).
from keras.layers import Conv2D, Dropout, Input, MaxPooling2D, UpSampling2D, concatenate
from keras.models import Model


def unet(input_size=(96, 96, 1)):
    inputs = Input(input_size)
    conv1 = Conv2D(16, 3, activation="relu", padding="same", kernel_initializer="he_normal")(inputs)
    conv1 = Conv2D(16, 3, activation="relu", padding="same", kernel_initializer="he_normal")(conv1)
    pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
    conv2 = Conv2D(32, 3, activation="relu", padding="same", kernel_initializer="he_normal")(pool1)
    conv2 = Conv2D(32, 3, activation="relu", padding="same", kernel_initializer="he_normal")(conv2)
    pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
    conv3 = Conv2D(64, 3, activation="relu", padding="same", kernel_initializer="he_normal")(pool2)
    conv3 = Conv2D(64, 3, activation="relu", padding="same", kernel_initializer="he_normal")(conv3)
    drop3 = Dropout(0.5)(conv3)

    up4 = Conv2D(32, 2, activation="relu", padding="same", kernel_initializer="he_normal")(
        UpSampling2D(size=(2, 2))(drop3)
    )
    merge4 = concatenate([conv2, up4], axis=3)
    conv4 = Conv2D(32, 3, activation="relu", padding="same", kernel_initializer="he_normal")(merge4)
    up5 = Conv2D(16, 2, activation="relu", padding="same", kernel_initializer="he_normal")(
        UpSampling2D(size=(2, 2))(conv4)
    )
    merge5 = concatenate([conv1, up5], axis=3)
    conv5 = Conv2D(16, 3, activation="relu", padding="same", kernel_initializer="he_normal")(merge5)
    for filters in [8, 4]:
        conv5 = Conv2D(filters, 3, padding="same")(conv5)
    conv6 = Conv2D(1, 1, activation="sigmoid")(conv5)

    model = Model(inputs=inputs, outputs=conv6)
    return model
