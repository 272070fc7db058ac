Console.WriteLine("reeltime-cli");
