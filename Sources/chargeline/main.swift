print("chargeline")
