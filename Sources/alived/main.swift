import AliveMedia
print("alived \(AliveMedia.version)")
