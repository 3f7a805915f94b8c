print("datagen")
